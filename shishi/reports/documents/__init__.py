"""The compiled documents of the reports app: plain data in (``data``), Word (``docx``), Excel
(``xlsx``) and charts (``charts``) out. No models and no database: the reports services gather
the figures into ``data.ReportData`` / ``CircularData`` / ``BriefingData`` and call
``docx.write_report(data, path)`` and ``xlsx.write_report_annex(data, path)``."""
