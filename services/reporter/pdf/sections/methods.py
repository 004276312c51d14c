"""The methods page: formulas, counting rules, data window, sources, rejects, time zone."""

from __future__ import annotations

from services.reporter.pdf.report import Report
from services.reporter.provenance import RECORD_TYPES, Source
from shared.metrics import ENGAGEMENT_COUNTERS, RATES


def source_line(r: Report, source: Source) -> str:
    """One line per source kind and name: its records by type and when they were received
    (labels ``sources.*``; the same figures as the API's ``/sources``)."""
    t = r.t
    kind = t(f"sources.kind.{source.kind}") if source.kind else t("sources.kind.unrecorded")
    named = t("sources.named", kind=kind, name=source.name) if source.kind else kind
    counts = t("sources.sep").join(
        t(f"sources.count.{name}", n=r.n(source.records[name]))
        for name in RECORD_TYPES
        if source.records[name]
    )
    return t(
        "sources.line",
        source=named,
        files=t("sources.files", files=", ".join(source.files)) if source.files else "",
        counts=counts,
        start=t.moment(r.local(source.first_received)),
        end=t.moment(r.local(source.last_received)),
    )


def methods(r: Report) -> None:
    pdf, t, c = r.pdf, r.t, r.c
    pdf.add_page()
    pdf.heading(t("methods"))
    pdf.subheading(t("formulas"))
    parts = " + ".join(t(f"counter.{name}") for name in ENGAGEMENT_COUNTERS)
    pdf.para(t("engagements_are", parts=parts), size=10, gap=2)
    for name in r.rates_shown:  # the rates this report shows, and only those
        pdf.para(r.rate_label(name), size=10, style="B", gap=0)
        pdf.para(t("formula", den=t(f"denominator.{RATES[name]}")), size=10, gap=2)
    pdf.note(t("weighted"))
    pdf.subheading(t("counting"))
    pdf.para(t("counting_text"), size=10)
    pdf.subheading(t("window"))
    if c.window:
        first, last = (r.local(m) for m in c.window)
        pdf.para(t("window_text", start=t.moment(first), end=t.moment(last), tz=c.event.timezone), size=10)
    else:
        pdf.para(t("window_none"), size=10)
    pdf.subheading(t("sources"))
    if c.sources:
        pdf.para(t("sources_text", platforms=t.join([t.platform(p) for p in c.sources])), size=10)
    if c.press.articles:
        pdf.para(t("sources_press", n=r.n(c.press.articles)), size=10)
    if not c.sources and not c.press.articles:
        pdf.para(t("sources_none"), size=10)
    if c.missing_platforms:
        pdf.para(
            t("missing_platforms", platforms=t.join([t.platform(p) for p in c.missing_platforms])),
            size=10,
        )
    if c.record_sources:
        pdf.para(t("sources.title"), size=10, style="B", gap=0)
        for source in c.record_sources:
            pdf.para(source_line(r, source), size=10, gap=0)
        pdf.note(t("sources.note"))
    pdf.subheading(t("rejected"))
    pdf.para(t("rejected_text", n=r.n(c.rejected)), size=10)
    pdf.subheading(t("timezone"))
    pdf.para(t("tz_text", tz=c.event.timezone), size=10)
