"""Supervision's documents: the problem list (问题清单, .xlsx), a unit's rectification notice
(整改通知书, .docx) and a round's summary (.docx). ``data`` gathers what they say from the
records (rows from ``supervision.exports``, figures from ``supervision.figures``); ``xlsx``
and ``docx`` write it with the reports' writers; ``access`` says who may download which;
``files`` makes the downloads' bytes and names. docs/supervision.md, "Documents, export and
speed"."""
