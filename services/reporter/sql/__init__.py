"""The reporter's queries, one ``.sql`` file each: ``shared.sqlfiles.sql(QUERIES, "series")``."""

QUERIES = __name__
