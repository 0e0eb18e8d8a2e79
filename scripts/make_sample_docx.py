"""Regenerate the user-facing sample inputs in workbook/sample/.

    python scripts/make_sample_docx.py [THƯ_MỤC]

Writes quang_son_2025_phan_cong.tsv (the appendix, verbatim) and
quang_son_2025_phan_cong.docx (the same appendix as a Word table with
vertically merged cells, Times New Roman, A4 landscape).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cchc_xl.importers.sample import write_sample_inputs

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "workbook" / "sample"


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT_FOLDER
    for path in write_sample_inputs(folder):
        print(f"Đã ghi {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
