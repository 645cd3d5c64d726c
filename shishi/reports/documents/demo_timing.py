"""How long a monthly report for a programme of 10,000 items takes to compile (issue 14: < 5 s).

``python -m shishi.reports.documents.demo_timing [ITEMS]`` writes the .docx (with its three
charts) and the .xlsx annex of a report whose lagging table holds ITEMS rows (10,000 by
default: the worst case, every item lagging) into a temporary folder and prints the times.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from shishi.reports.documents import docx, samples, xlsx


def main(items: int = 10_000) -> None:
    data = samples.report(lagging=items, items=items)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        docx.write_report(data, Path(tmp) / "report.docx")
        t1 = time.perf_counter()
        xlsx.write_report_annex(data, Path(tmp) / "report.xlsx")
        t2 = time.perf_counter()
        size = (Path(tmp) / "report.docx").stat().st_size
    print(
        f"{items} lagging items: .docx {t1 - t0:.2f} s ({size // 1024} KiB), "
        f".xlsx {t2 - t1:.2f} s, total {t2 - t0:.2f} s (target < 5 s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
