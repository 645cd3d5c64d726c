"""Feedback cycles, their periods and the units' submissions; compiled reports, briefings and
circulars (issue 14). Built up in the next commits."""
