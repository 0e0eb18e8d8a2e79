"""Tổng hợp: merge the returned unit workbooks into the master.

The pipeline, one module per stage:

* ``state`` - everything the merge needs from the master, read from plain cell values
  (a file via python-calamine, or a live xlwings Book): the plan, the unit reports
  ("Báo cáo đơn vị"), the audit log ("Nhật ký"), the split history from "_meta".
* ``read`` - the returned files, read with python-calamine in background threads.
* ``check`` - what a returned file may change: whole-file checks (kind, unit, commune,
  year, versions, sheets, columns), row checks (ids, locked columns, formulas) and cell
  checks (values, formula injection, dates); and whether the master is safe to merge into.
* ``merge`` - the pure core: returned files -> ``ConsolidationPlan`` (3-way merge per
  tracking field: base as sent, theirs as returned, mine in the master now).
* ``audit`` - the rows of "Nhật ký", and reading back what earlier runs logged.
* ``write`` - applying a plan: ``apply_with`` (live Book), ``apply_to_openpyxl``, and
  ``plan_patch`` + ``cchc_xl.files.xlsx_patch.patch_xlsx`` (edits the xlsx package in
  place: fast on large masters, keeps what openpyxl would drop).  ``consolidate`` =
  read + plan + backup + write.
* ``plan`` - the plan, the result and the summaries; ``columns`` - headers and columns
  in plain cell values.

Speed at province scale (500 returned files, 50 000 tasks, ``scripts/benchmark.py``):
the master (only the sheets the merge needs) and the returned files are read in two
threads - python-calamine parses without the GIL - and each reading thread also does the
file-only part of the checks (``check._prepare``: fingerprints, clean tracking values);
the master's tasks are read without pydantic (``state._light_tasks``); the hot loops avoid
per-row objects and repeated normalisation; cyclic garbage collection is paused during
a run; the master's sheet parts are decompressed by a reading thread while the files are
merged; the two big sheets are patched as bytes and streamed, chunk by chunk, to a thread
that compresses them (deflate level 1) while the next chunk is built.  Every check is
still made, in file order.

This package exports the main entry points; the other names live in their stage's module.
"""

from cchc_xl.files.xlsx_patch import PatchUnsupported, patch_xlsx
from cchc_xl.roundtrip.consolidate.check import blocking_findings, refuse_if_unsafe
from cchc_xl.roundtrip.consolidate.merge import derive_tracking, plan_consolidation, plan_from_sheets
from cchc_xl.roundtrip.consolidate.plan import (SUMMARY_HEADERS, AuditIndex, CellChange, Conflict,
                                                ConsolidationPlan, ConsolidationResult, FileSummary, MasterState,
                                                Rejection, UnitReportRow, summary_rows, summary_text)
from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets, read_master_state, read_master_values
from cchc_xl.roundtrip.consolidate.write import apply_to_openpyxl, apply_with, consolidate, plan_patch

__all__ = [
    "AuditIndex", "CellChange", "Conflict", "ConsolidationPlan", "ConsolidationResult", "FileSummary",
    "MasterState", "PatchUnsupported", "Rejection", "SUMMARY_HEADERS", "UnitReportRow", "apply_to_openpyxl",
    "apply_with", "blocking_findings", "consolidate", "derive_tracking", "master_state_from_sheets", "patch_xlsx",
    "plan_consolidation", "plan_from_sheets", "plan_patch", "read_master_state", "read_master_values",
    "refuse_if_unsafe", "summary_rows", "summary_text",
]
