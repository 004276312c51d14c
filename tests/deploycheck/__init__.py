"""Offline checks of deploy/k8s: the rendered kustomize tree, its custom resources against the
operators' CRDs (``crds/``), and the references, selectors, ports and replica counts that a
cluster would only reject, or silently ignore, once applied (tests/unit/test_deploy_*.py)."""
