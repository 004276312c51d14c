"""The aggregator's /v1/status is unauthenticated: a store error shown there names no file path."""

from __future__ import annotations

import pytest

from services.aggregator.service import without_paths

DISK_FULL = (
    "insert into posts failed: Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough "
    "space: While writing part /var/lib/sada/.sada/clickhouse/store/2f1/2f1e-4c/tmp_insert_all_1_1_0/ "
    "(NOT_ENOUGH_SPACE)"
)
READ_ONLY = (
    "updating the rollups failed: Code: 1001. DB::Exception: Cannot open file "
    "/tmp/pytest-of-root/chdb0/clickhouse/data/sada/post_minutes/format_version.txt, errno: 30, "
    "strerror: Read-only file system"
)


@pytest.mark.parametrize(
    ("message", "meaning"), [(DISK_FULL, "(NOT_ENOUGH_SPACE)"), (READ_ONLY, "Read-only file system")]
)
def test_a_store_error_keeps_its_meaning_without_the_paths(message: str, meaning: str) -> None:
    shown = without_paths(message)
    assert "/var/lib" not in shown and "/tmp/" not in shown and "clickhouse/" not in shown
    assert "<path>" in shown
    assert shown.split("<path>")[0] == message.split("/", 1)[0]  # what comes before is kept
    assert meaning in shown  # and what comes after


def test_messages_without_paths_and_urls_stay_as_they_are() -> None:
    for message in (
        "Code: 60. DB::Exception: Table sada.posts does not exist. (UNKNOWN_TABLE)",
        "insert into metrics failed: HTTPDriver for http://clickhouse:8123 returned 503",
        "",
    ):
        assert without_paths(message) == message
