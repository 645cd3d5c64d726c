"""The compiled documents of the reports app: plain data in (``data``), Word (``docx``), Excel
(``xlsx``) and charts (``charts``) out; no models and no database (docs/reports.md,
"Documents"). The reports services gather the figures into ``data.ReportData`` /
``CircularData`` / ``BriefingData`` and call ``files.write_report_files(data, path)`` (the .docx
and its .xlsx annex beside it), ``docx.write_circular`` or ``docx.write_briefing``. The modules
are imported one by one, so that reading ``data`` does not load matplotlib."""
