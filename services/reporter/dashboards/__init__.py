"""Grafana dashboards as code: built with grafana-foundation-sdk, exported as files Grafana
provisions, published through Grafana's HTTP API (grafana-client).

- ``build``: the five dashboards and their export (``sada dashboards export``);
- ``live``, ``platforms``, ``posts``, ``press``, ``health``: one module per dashboard;
- ``alerts``: spike alert rules; ``provisioning``: data sources and providers;
- ``publish``: folder, data source, dashboards and rules into a running Grafana;
- every word shown comes from ``services/reporter/labels`` (ar, fr, en), the catalogue the PDF uses.
"""
