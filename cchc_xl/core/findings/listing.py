"""The catalogue as a Markdown page (docs/THONG_BAO.md, written by ``cchc-xl so-do``).

A test keeps the committed page equal to ``catalogue_markdown()``, so the list an
official or a support person reads is the list the code uses.
"""

from __future__ import annotations

from cchc_xl.core.findings.base import catalogue
from cchc_xl.core.models import SEVERITY_LABELS



def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def catalogue_markdown() -> str:
    """Every declared finding type: code, severity, title, parameters and template."""
    from cchc_xl.core.findings import catalog  # noqa: F401  (declares every type)

    types = catalogue()
    lines = [
        "# Danh mục thông báo (mã lỗi, cảnh báo, thông tin)",
        "",
        "Tệp này do lệnh `cchc-xl so-do` tạo từ `cchc_xl/core/findings/catalog.py`; đừng sửa tay.",
        "Mỗi thông báo mà dòng lệnh, các nút trong Excel và trang Nhật ký hiển thị có một **mã** cố định",
        "(dùng để lọc, tra cứu, viết kịch bản), một **mức** và một **mẫu** câu tiếng Việt; các chỗ `{...}`",
        "được điền khi thông báo xuất hiện, kèm vị trí (tệp, trang, ô).",
        "",
        f"Tổng số: {len(types)} loại thông báo.",
        "",
        "| Mã | Mức | Tiêu đề | Tham số | Mẫu thông báo |",
        "|---|---|---|---|---|",
    ]
    for code, t in types.items():
        params = ", ".join(f"`{p}`" for p in t.params)
        lines.append(f"| `{code}` | {SEVERITY_LABELS[t.severity]} | {_cell(t.title)} | {params} | "
                     f"{_cell(t.template)} |")
    return "\n".join(lines) + "\n"
