"""The sections of the campaign report, each a function of a :class:`~services.reporter.pdf.report.Report`."""
