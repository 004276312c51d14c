# The first commands on a fresh clone: `make demo`, `make test`. Each creates
# .venv and installs what it needs; nothing else is assumed on the machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo test test-secure bench lint clean tools lock grafana-provisioning screenshots

# pdftotext/pdftoppm (Debian's poppler-utils) read the PDF reports back in the tests; headless
# Chromium (Debian's chromium) renders the live page in them (tests/harness/browser.py). The deploy
# checks' tools (kubectl, hadolint, kubernetes-validate) come from PyPI with the test extra.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
tools:
	@command -v pdftotext >/dev/null || { \
	  echo "installing poppler-utils (pdftotext) for the PDF tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq poppler-utils >/dev/null; }
	@command -v chromium >/dev/null || { \
	  echo "installing chromium (headless) for the live page's tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[local,pdf,test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV)/bin/sada demo

# The secure smoke tests (tests/pipeline/test_kafka_security.py: TLS and SCRAM end to end, a wrong
# password, a client without TLS) run in every `make test`, whatever the broker.
test: $(INSTALLED) tools lint
	$(PY) -m pytest -q

# The image's lock file (deploy/requirements.lock): the dependencies and the `pdf` extra, not
# `local`, pinned with hashes for every platform (uv resolves for Python 3.11, the image's).
# tests/unit/test_deploy_image.py fails when pyproject.toml asks for something it does not pin.
lock: $(INSTALLED)
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml deploy/build.in --extra pdf --universal \
	  --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet \
	  -o deploy/requirements.lock

# Grafana's provisioning files in the kustomize tree (deploy/k8s/grafana/generated), exported
# with deploy/k8s/grafana/export.env; tests/unit/test_deploy_grafana.py fails when they are stale.
grafana-provisioning: $(INSTALLED)
	rm -rf deploy/k8s/grafana/generated
	env $$(grep -v '^#' deploy/k8s/grafana/export.env | xargs) \
	  $(VENV)/bin/sada dashboards export --out deploy/k8s/grafana/generated

# The README's pictures (docs/images/): the live page in en and ar, the PDF report's first pages,
# from a demo run (tests/harness/screenshots.py).
screenshots: $(INSTALLED) tools
	PYTHONPATH=tests $(PY) -m harness.screenshots docs/images

# The pipeline tests (failure tests included) against a broker that wants TLS and SCRAM-SHA-512.
test-secure: $(INSTALLED) tools
	SADA_TEST_BROKER=scram-tls $(PY) -m pytest -q tests/pipeline

bench: $(INSTALLED)
	$(PY) -m bench

# ruff (pycodestyle, pyflakes, isort, bugbear, pyupgrade, simplify, complexity <= 12), the
# formatter's check, and mypy on shared/ and services/ (configured in pyproject.toml).
lint: $(INSTALLED)
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/ruff format --check shared services tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .sada sada-demo bench-results .pytest_cache .hypothesis
