"""The live page with no Grafana (issue 15, item 4): ``model`` (the JSON it reads), ``page`` (its
routes: the shell, the list, the assets) and ``static/`` (its HTML, script and style sheet)."""
