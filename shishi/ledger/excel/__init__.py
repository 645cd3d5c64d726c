"""Excel in and out for the ledger (台账).

- ``importing``: the public interface — ``plan_import`` (read a sheet, say what importing it
  would do) and ``apply_import`` (write a plan: all of it or nothing).
- ``plan``: the plan's types (``ImportPlan``, ``PlannedItem``, ``RowError``, ``ImportRefused``).
- ``reading``: finding the ledger sheet, its header and its kinds of rows; numbering rules.
- ``planner``: from the rows to a plan, compared with the programme's ledger.
- ``applying`` and ``bulk``: writing a plan in one transaction with bulk inserts and updates.
- ``exporting``: ``export_ledger`` writes the ledger in the office layout (``layout``).
- ``generate``: a synthetic ledger of any size in the office layout (benchmarks, tests).
"""
