"""Phản hồi: send each unit its own returned workbook back, with what was refused.

``review_returns`` checks the returned files again against the master as it is now
(the same checks as Tổng hợp, nothing written): for each file, the refused cells with
their reason and the conflicts (the master holds another value).  ``write_feedback``
copies the unit's workbook, adds a sheet "Phản hồi" (cell, value sent, reason, what to
do), highlights the cells concerned (red fill + a comment) and leaves everything else -
hidden "_meta" with its version and fingerprints, protection, dropdowns - as it was.

The unit corrects the cells and returns the file: it is a new file (another SHA-256)
of the same issued version, so the next Tổng hợp takes it under every rule of the
round trip (3-way merge: the corrected cells are applied, the cells already applied are
unchanged).  Tổng hợp only reads the data sheets; the "Phản hồi" sheet is ignored.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cchc_xl.core import schema as S
from cchc_xl.core.periods import same_period
from cchc_xl.core.text import fold
from cchc_xl.files.safeio import save_workbook_atomic

KIND_REFUSED = "Bị từ chối"
KIND_CONFLICT = "Xung đột"
FEEDBACK_SUFFIX = "_phan_hoi"
HEADERS = ("TT", "Loại", "Trang", "Ô", "Mã NV", "Cột", "Giá trị đơn vị đã gửi", "Lý do", "Cần làm")
WIDTHS = (5, 11, 12, 7, 9, 16, 26, 48, 48)
FIRST_ROW = 6   # first row of the table on the "Phản hồi" sheet
HIGHLIGHT_FILL = "FF9999"
HIGHLIGHT_AUTHOR = "Tổng hợp CCHC"


@dataclass
class FeedbackItem:
    kind: str            # KIND_REFUSED | KIND_CONFLICT
    sheet: str
    cell: str            # cell of the unit workbook
    item_id: str
    column: str          # header of the column
    value: Any
    reason: str
    todo: str


@dataclass
class FileReview:
    path: Path
    unit: str
    period: str
    sha256: str
    file_reason: str = ""                  # whole file refused
    items: list[FeedbackItem] = field(default_factory=list)
    unreadable: str = ""                   # the file cannot be read: no workbook to send back

    @property
    def needs_feedback(self) -> bool:
        return not self.unreadable and bool(self.items or self.file_reason)


# ---------------------------------------------------------------- what to tell

# what to do when the cells of a row contradict each other (``return_row_invalid``)
TODO_ROW_INVALID = ("Trạng thái, Tiến độ và Ngày hoàn thành của dòng phải khớp nhau. Nếu nhiệm vụ đã hoàn "
                    "thành: chọn 'Đã hoàn thành', ghi Tiến độ 100 và Ngày hoàn thành; nếu chưa: chọn 'Đang thực "
                    "hiện' (hoặc 'Chưa thực hiện'), ghi Tiến độ dưới 100 và để trống Ngày hoàn thành.")
# a file refused as a whole: its cells cannot be fixed one by one
TODO_NEW_FORM = ("Tệp này không dùng lại được bằng cách sửa ô: đề nghị nhập số liệu vào phiếu mới do bộ phận "
                 "tổng hợp gửi (không dùng tệp cũ, không sửa trang ẩn) rồi gửi lại phiếu mới đó.")


def _todo_refused(reason: str, header: str, code: str = "") -> str:
    """What to do with a refused cell: by its reason's code, its column (and formulas by the reason)."""
    if code == "return_row_invalid":
        return TODO_ROW_INVALID
    r = fold(reason)
    key = {fold(c.header): c.key for c in S.TASK_COLUMNS + S.REMEDIATION_COLUMNS}.get(fold(header), "")
    editable = {c.key for c in S.TASK_COLUMNS + S.REMEDIATION_COLUMNS if c.editable}
    if "cong thuc" in r or "dde" in r:
        return "Xóa công thức, nhập trực tiếp giá trị (chữ, số hoặc ngày)."
    if key and key not in editable:
        return ("Trả lại đúng nội dung ban đầu của các cột bị khóa (các cột không có nền vàng); "
                "chỉ cập nhật các cột nền vàng.")
    if key == "progress":
        return "Nhập Tiến độ là số từ 0 đến 100 (không kèm dấu %)."
    if key == "completed_on":
        return "Nhập ngày theo dạng dd/mm/yyyy (ví dụ 15/09/2025), không sau ngày số liệu của kỳ."
    if key == "status":
        return "Chọn Trạng thái trong danh sách thả xuống của ô."
    return "Sửa ô theo lý do bên cạnh rồi lưu tệp."


def _todo_conflict(mine: str, base: str) -> str:
    return (f"Sổ tổng hợp hiện ghi '{mine}' (lúc gửi phiếu là '{base}'). Nếu '{mine}' là đúng, sửa ô này "
            f"thành '{mine}'. Nếu giá trị đơn vị gửi là đúng, giữ nguyên, ghi lý do ở cột Ghi chú và "
            "báo bộ phận tổng hợp để cập nhật.")


# ---------------------------------------------------------------- review

def _header_cells(rows: list[list[Any]]) -> dict[str, int]:
    """Header text (folded) -> 0-based column of a unit workbook data sheet."""
    if len(rows) < S.HEADER_ROW:
        return {}
    return {fold(v): j for j, v in enumerate(rows[S.HEADER_ROW - 1]) if v not in (None, "")}


def _locate(book: Any, sheet: str, item_id: str, header: str) -> tuple[str, str, Any]:
    """(sheet, cell, value) of item ``item_id`` / column ``header`` in a returned book."""
    from openpyxl.utils import get_column_letter

    for name in ([sheet] if sheet in book.sheets else []) + [n for n in book.sheets if n != sheet]:
        rows = book.sheets[name]
        cols = _header_cells(rows)
        j = cols.get(fold(header))
        id_col = cols.get(fold(S.header_of(S.TASK_COLUMNS, "id")), cols.get(
            fold(S.header_of(S.REMEDIATION_COLUMNS, "id"))))
        if j is None or id_col is None:
            continue
        for i in range(S.HEADER_ROW, len(rows)):
            row = rows[i]
            if id_col < len(row) and str(row[id_col] or "").strip() == item_id:
                return name, f"{get_column_letter(j + 1)}{i + 1}", row[j] if j < len(row) else None
    return sheet, "", None


def _value_at(book: Any, sheet: str, cell: str) -> Any:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    rows = book.sheets.get(sheet)
    if not rows or not cell:
        return None
    try:
        col, row = coordinate_from_string(cell)
    except ValueError:
        return None
    c = column_index_from_string(col) - 1
    return rows[row - 1][c] if row - 1 < len(rows) and c < len(rows[row - 1]) else None


def _column_of(book: Any, sheet: str, cell: str) -> str:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    rows = book.sheets.get(sheet) or []
    try:
        col, _r = coordinate_from_string(cell)
    except ValueError:
        return ""
    c = column_index_from_string(col) - 1
    if len(rows) >= S.HEADER_ROW and c < len(rows[S.HEADER_ROW - 1]):
        return str(rows[S.HEADER_ROW - 1][c] or "")
    return ""


def review_returns(master_path: str | os.PathLike[str], files: Sequence[str | os.PathLike[str]], *,
                   as_of: dt.date | None = None, now: dt.datetime | None = None,
                   sheets: Mapping[str, Sequence[Sequence[Any]]] | None = None) -> list[FileReview]:
    """Check ``files`` again against the master now (nothing written); one review per file.

    ``sheets``: the master's cell values when it is open in Excel (a live Book); else the
    file ``master_path`` is read."""
    from cchc_xl.roundtrip.consolidate.check import refuse_if_unsafe
    from cchc_xl.roundtrip.consolidate.merge import plan_consolidation
    from cchc_xl.roundtrip.consolidate.plan import STATUS_REJECTED, AuditIndex
    from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets, read_master_values
    from cchc_xl.core.dispatch import unit_code_from_file_name
    from cchc_xl.workbook.returned import read_unit_workbook
    from cchc_xl.core.models import CchcError

    path = Path(master_path)
    values = sheets if sheets is not None else read_master_values(path)
    state = master_state_from_sheets(values, file=path.name, fast=True)
    state.data.path = str(path)
    refuse_if_unsafe(state, "phản hồi")
    # files already consolidated are checked again: their refused cells are still refused
    state.audit = AuditIndex(files={}, last_applied=state.audit.last_applied)
    reviews: list[FileReview] = []
    for f in files:
        p = Path(f)
        try:
            book = read_unit_workbook(p)
        except CchcError as exc:
            reviews.append(FileReview(path=p, unit=unit_code_from_file_name(p.name) or "", period="",
                                      sha256="", unreadable=exc.finding.message))
            continue
        plan = plan_consolidation(state, returns=[book], as_of=as_of, now=now)
        review = FileReview(path=p, unit=book.unit_code, period=str(book.meta.get("period_label") or ""),
                            sha256=book.sha256)
        for fs in plan.files:
            if fs.status == STATUS_REJECTED:
                review.file_reason = fs.reason
        for r in plan.rejections:
            if r.whole_file:
                continue
            value = _value_at(book, r.sheet, r.cell)
            header = _column_of(book, r.sheet, r.cell)
            review.items.append(FeedbackItem(KIND_REFUSED, r.sheet, r.cell, r.item_id, header, value,
                                             r.reason, _todo_refused(r.reason, header, r.code)))
        for c in plan.conflicts:
            if c.derived:       # the master row derived from several units: the official's to settle
                continue
            sheet, cell, value = _locate(book, c.sheet, c.item_id, c.header)
            review.items.append(FeedbackItem(KIND_CONFLICT, sheet, cell, c.item_id, c.header,
                                             value if value is not None else c.theirs,
                                             f"Xung đột: trong sổ là '{c.mine}', đơn vị gửi '{c.theirs}'",
                                             _todo_conflict(c.mine, c.base)))
        reviews.append(review)
    return reviews


def latest_per_unit(reviews: Iterable[FileReview], period: str,
                    current: dict[str, str] | None = None) -> list[FileReview]:
    """The review of each unit's latest file of ``period``: the file the register names
    (``current``: unit -> SHA-256) when present, else the last file in name order."""
    chosen: dict[str, FileReview] = {}
    for r in reviews:
        if r.unreadable:
            continue
        if period and r.period and not same_period(r.period, period):
            continue
        want = (current or {}).get(r.unit)
        if want:
            if r.sha256 == want:
                chosen[r.unit] = r
            elif r.unit not in chosen or chosen[r.unit].sha256 != want:
                chosen.setdefault(r.unit, r)
        else:
            chosen[r.unit] = r
    return list(chosen.values())


# ---------------------------------------------------------------- the workbook

def feedback_file_name(source: Path) -> str:
    stem = source.stem
    if stem.endswith(FEEDBACK_SUFFIX):
        stem = stem[: -len(FEEDBACK_SUFFIX)]
    return f"{stem}{FEEDBACK_SUFFIX}{source.suffix.lower()}"


def write_feedback(review: FileReview, out_dir: str | os.PathLike[str], *, commune: str = "",
                   due: dt.date | None = None) -> Path:
    """Write the unit's workbook with a "Phản hồi" sheet and the cells highlighted."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, PatternFill

    from cchc_xl.workbook import styling as ST
    from cchc_xl.workbook.cells import put, set_value

    src = review.path
    wb = load_workbook(src, keep_vba=src.suffix.lower() == ".xlsm", keep_links=False)
    _clear_previous(wb)
    red = PatternFill("solid", fgColor=HIGHLIGHT_FILL)
    for item in review.items:
        if item.sheet in wb.sheetnames and item.cell:
            c = wb[item.sheet][item.cell]
            c.fill = red
            c.comment = Comment(f"{item.kind}: {item.reason}\nCần làm: {item.todo}", HIGHLIGHT_AUTHOR,
                                width=320, height=140)
    ws = wb.create_sheet(S.SHEET_FEEDBACK, 0)
    set_value(ws["A1"], f"PHẢN HỒI VỀ PHIẾU KỲ {review.period.upper()} - {review.unit}")
    ws["A1"].font = ST.font(bold=True, size=13)
    lines = [f"Tệp đơn vị đã gửi: {src.name}."]
    if review.file_reason:      # nothing in it was taken: a fresh form, not cells to mend
        lines += [f"Cả tệp chưa được tổng hợp: {review.file_reason}.",
                  TODO_NEW_FORM[:-1] + (f" trước ngày {due:%d/%m/%Y}." if due else ".")]
    else:
        lines.append("Các ô tô đỏ dưới đây chưa được cập nhật vào sổ tổng hợp. Sửa từng ô theo cột 'Cần làm' "
                     "ngay trong tệp này (không đổi tên trang, không sửa các cột bị khóa), lưu lại và gửi lại tệp"
                     + (f" trước ngày {due:%d/%m/%Y}." if due else "."))
    for i, text in enumerate(lines, start=2):
        put(ws, i, 1, text).font = ST.font(italic=i > 2)
    for j, (h, w) in enumerate(zip(HEADERS, WIDTHS), start=1):
        cell = put(ws, FIRST_ROW - 1, j, h)
        cell.font = ST.font(bold=True)
        cell.fill = PatternFill("solid", fgColor=ST.HEADER_FILL)
        cell.border = ST.BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = w
    for i, item in enumerate(review.items, start=1):
        r = FIRST_ROW + i - 1
        value = item.value.strftime("%d/%m/%Y") if isinstance(item.value, (dt.date, dt.datetime)) else item.value
        for j, v in enumerate((i, item.kind, item.sheet, item.cell, item.item_id, item.column, value,
                               item.reason, item.todo), start=1):
            cell = put(ws, r, j, v)    # what the unit typed stays text, never a formula
            cell.border = ST.BORDER
            cell.font = ST.font()
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        if item.cell and item.sheet in wb.sheetnames:
            ws.cell(row=r, column=4).hyperlink = f"#'{item.sheet}'!{item.cell}"
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.sheet_properties.tabColor = "C00000"
    ST.setup_print(ws, landscape=True, title_rows=f"{FIRST_ROW - 1}:{FIRST_ROW - 1}")
    ws.protection.sheet = True
    wb.active = 0
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == S.SHEET_FEEDBACK
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / feedback_file_name(src)
    save_workbook_atomic(wb, target)
    return target


def _clear_previous(wb: Any) -> None:
    """A workbook sent back before: drop its "Phản hồi" sheet and un-highlight its cells."""
    from openpyxl.styles import PatternFill

    from cchc_xl.workbook import styling as ST

    if S.SHEET_FEEDBACK not in wb.sheetnames:
        return
    old = wb[S.SHEET_FEEDBACK]
    yellow = PatternFill("solid", fgColor=ST.INPUT_FILL)
    for row in old.iter_rows(min_row=FIRST_ROW, values_only=True):
        sheet, cell = (row[2], row[3]) if len(row) > 3 else (None, None)
        if sheet in wb.sheetnames and cell:
            c = wb[sheet][cell]
            c.fill = yellow if c.protection.locked is False else PatternFill()
            c.comment = None
    wb.remove(old)
