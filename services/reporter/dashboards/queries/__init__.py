"""The dashboards' own queries, one ``.sql`` file each (``shared.sqlfiles.sql(PANELS, name)``),
written with ClickHouse query parameters like the reporter's and inlined for Grafana by
``services/reporter/dashboards/sql.py``."""

PANELS = __name__
