"""Benchmarks of shishi as production runs it: ``python -m bench.run`` (``make bench``).

- ``run``: the orchestrator (databases, data, server, client, import, report).
- ``data``: builds the benchmark dataset and describes it (ids, a login, an API token).
- ``server``: starts and stops gunicorn serving ``shishi.wsgi:application``.
- ``load``: the HTTP client, a separate process with no Django in it.
- ``queries``: query counts per page, in-process, under ``CaptureQueriesContext``.
- ``importbench``: the import of a generated sheet against reading it with calamine alone.
- ``common``: paths, environment, statistics and machine information shared by the above.

Results go to ``bench/results/latest-<db>.json`` (see ``bench/results/README.md``).
"""
