"""Platform export files → format v1 records: the importers behind ``POST /v1/imports``
and ``sada ingest``.

One module per format, each with its column mapping in its docstring:
:mod:`.x` (X post activity CSV, new and legacy headers), :mod:`.linkedin`
(LinkedIn page content XLS/XLSX), :mod:`.meta` (Meta Business Suite Facebook
and Instagram CSV), :mod:`.youtube` (YouTube Studio "Table data.csv").
NDJSON files (format v1 already) go through the same validation as
``POST /v1/events``. What they share: :mod:`.readers` (CSV/XLSX/XLS → numbered
rows), :mod:`.cells` (counters and dates as exports write them),
:mod:`.layout` (header matching, a row → a post and a metrics snapshot),
:mod:`.detect` (which format a header is), :mod:`.importer` (a file → an
intake and the account of every row) and :mod:`.endpoint` (the HTTP route).
"""
