"""Excel in and out for the ledger (台账).

- ``importing``: the public interface — ``plan_import`` (read a sheet, say what importing it
  would do) and ``apply_import`` (write a plan: all of it or nothing; the ledger's service
  ``shishi.ledger.import_services.apply_import``, which writes through ``core.bulk``).
- ``plan_types``: the plan's types (``ImportPlan``, ``PlannedItem``, ``RowError``,
  ``ImportRefused``) and the cell and target formats they share.
- ``reading``: finding the ledger sheet, its header and its kinds of rows; numbering rules.
- ``planning``: from the rows to a plan, compared with the programme's ledger.
- ``exporting``: ``export_ledger`` writes the ledger in the office layout (``layout``).
- ``generate``: a synthetic ledger of any size in the office layout (benchmarks, tests).
"""
