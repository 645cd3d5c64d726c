"""The Open311 GeoReport v2 server under ``/open311/v2/`` (docs/demands.md, "Open311").

- ``keys``: the partners' API keys (``Open311Key``): made, looked up by their SHA-256, used.
- ``selectors``: the public reads — districts open to Open311, their services, their public
  demands (categories open to Open311, kinds that are neither 举报 nor 投诉).
- ``formats``: records in the spec's shape (no name, phone or ID; numbers typed into text
  masked) and their JSON (Spark convention) and XML.
- ``views``: the endpoints; writes go through ``demands.services.take_in``.
"""
