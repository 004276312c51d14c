"""A reporter installed without the `pdf` extra answers its report route with 501 naming the
extra, and every other route as before."""

from __future__ import annotations

import pytest

from shared import extras


def test_report_route_without_the_pdf_extra_answers_501(pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    purpose, modules = extras.EXTRAS["pdf"]
    monkeypatch.setitem(extras.EXTRAS, "pdf", (purpose, (*modules, "sada_no_such_font")))
    status, answer = pipeline.get(f"{pipeline.reporter}/v1/events/forum/report.pdf")
    assert status == 501, answer
    assert "pip install 'sada[pdf]'" in answer["error"] and "sada_no_such_font" in answer["error"]
    status, answer = pipeline.get(f"{pipeline.reporter}/v1/events/forum/summary")
    assert status == 200 and answer["event"] == "forum"
