"""The unit workbook ("phiếu đơn vị") as sent: built and written with XlsxWriter.

``build_unit_workbook`` gathers the tasks (and remediation items) led by one unit
(``core.dispatch``); ``UnitWorkbook.save`` writes them with only the tracking
columns unlocked, dropdowns, an instructions sheet and a very hidden ``_meta`` sheet
(layout: ``core.dispatch``; fingerprints: ``core.fingerprint``; tracking values as
sent: ``core.tracking``).  What comes back is read by ``workbook.returned``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import xlsxwriter
import xlsxwriter.exceptions
from openpyxl.worksheet.datavalidation import DataValidation

from cchc_xl.core import schema as S
from cchc_xl.workbook import styling as ST
from cchc_xl.core.findings import catalog
from cchc_xl.core.dispatch import ITEM_COL, ITEM_HEADERS, UNIT_KIND, issued_values, registry_for, unit_items
from cchc_xl.core.fingerprint import fingerprint
from cchc_xl.core.records import item_value
from cchc_xl.core.models import Plan, RemediationItem, Status, Task, Unit
from cchc_xl.core.safety import starts_like_formula
from cchc_xl.core.tracking import TRACKING_KEYS, base_to_json, cell_value
from cchc_xl.core.units import UnitRegistry

# Sheet protection only prevents accidental edits: the password is stored as a
# weak hash inside the file and anyone can remove it.  It is NOT a security
# boundary; integrity is checked on return with the fingerprints in "_meta".
SHEET_PASSWORD = "cchc"
DEFAULT_CONTACT = "Văn phòng HĐND và UBND xã (bộ phận theo dõi cải cách hành chính)"


@dataclass
class UnitBookInfo:
    """What the header/instructions of a unit workbook show."""

    unit: Unit
    commune: str
    year: int
    period_label: str
    as_of: dt.date
    return_by: dt.date | None
    contact: str
    master_version: int
    master_name: str


def _row_values(obj: Any, columns: tuple[S.Column, ...],
                tracking: Mapping[str, Any] | None) -> dict[str, Any]:
    vals = {c.key: item_value(obj, c.key) for c in columns}
    if tracking is not None:
        for k in TRACKING_KEYS:
            vals[k] = cell_value(k, tracking[k])
    return vals


# XlsxWriter counts widths in pixels of the default font's digit (7 px for Times New
# Roman / Calibri 11); the schema's widths are stored widths (as openpyxl wrote them).
_PX_PER_WIDTH = 7
_BORDER_COLOR = "#808080"


def _legacy_hash(password: str) -> str:
    """The 16-bit password hash of ``workbookProtection``/``sheetProtection`` (ECMA-376 part 4)."""
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    return f"{digest ^ len(password) ^ 0xCE4B:X}"


class _Book(xlsxwriter.Workbook):
    """XlsxWriter workbook whose structure is locked (``<workbookProtection lockStructure>``,
    which XlsxWriter has no method for: written right after ``<workbookPr>``, where the
    schema puts it)."""

    structure_password = ""

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        if self.structure_password:
            self._xml_empty_tag("workbookProtection", [
                ("workbookPassword", _legacy_hash(self.structure_password)), ("lockStructure", 1)])


class _Formats:
    """The cell formats of one unit workbook (XlsxWriter formats belong to a workbook)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def get(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self._cache[key] = self.wb.add_format(props)
            self._props[id(fmt)] = props
        return fmt

    def quoted(self, fmt: Any) -> Any:
        """``fmt`` with Excel's quote prefix: text starting like a formula stays text when
        the cell is edited in Excel later (``core.safety.starts_like_formula``)."""
        props = dict(self._props.get(id(fmt), {})) if fmt is not None else {}
        props["quote_prefix"] = True
        return self.get(**props)

    def header(self, editable: bool) -> Any:
        return self.get(bold=True, border=1, border_color=_BORDER_COLOR, align="center", valign="vcenter",
                        text_wrap=True, bg_color="#" + (ST.INPUT_FILL if editable else ST.HEADER_FILL))

    def body(self, col: S.Column) -> Any:
        """One format per column: the cells of a column all look alike."""
        props: dict[str, Any] = {"border": 1, "border_color": _BORDER_COLOR, "valign": "top"}
        if ST.wraps(col):
            props["text_wrap"] = True
        if col.kind in ("date", "percent"):
            props["align"] = "center"
            props["num_format"] = ST.DATE_FORMAT if col.kind == "date" else ST.PROGRESS_FORMAT
        if col.editable:
            props["locked"] = False
            props["bg_color"] = "#" + ST.INPUT_FILL
        return self.get(**props)

    def fill(self, color: str) -> Any:
        """Conditional format (differential): background only."""
        return self.get(bg_color="#" + color)


def _write_cells(ws: Any, fmts: _Formats, r: int, values: Iterable[Any], formats: Sequence[Any] | None = None,
                 first_col: int = 0) -> None:
    """Write one row: text always as text (``write_string``: never a formula, a number or a
    link, whatever it starts with; with the quote prefix when it starts like a formula),
    numbers, dates; empty cells keep their format."""
    for j, v in enumerate(values, start=first_col):
        fmt = formats[j - first_col] if formats is not None else None
        t = type(v)
        if t is str:
            if v:
                if not v[0].isalnum() and starts_like_formula(v):
                    fmt = fmts.quoted(fmt)
                ws.write_string(r, j, v, fmt)
            elif fmt is not None:
                ws.write_blank(r, j, None, fmt)
        elif v is None:
            if fmt is not None:
                ws.write_blank(r, j, None, fmt)
        elif t is int or t is float:
            ws.write_number(r, j, v, fmt)
        elif t is bool:
            ws.write_boolean(r, j, v, fmt)
        elif isinstance(v, (dt.date, dt.datetime)):
            ws.write_datetime(r, j, v, fmt)
        elif isinstance(v, (int, float)):
            ws.write_number(r, j, float(v), fmt)
        else:
            ws.write_string(r, j, str(v), fmt)


def _set_width(ws: Any, j: int, width: float, options: Mapping[str, Any] | None = None) -> None:
    ws.set_column_pixels(j, j, width * _PX_PER_WIDTH, None, dict(options or {}))


def _write_data_sheet(ws: Any, fmt: _Formats, columns: tuple[S.Column, ...], rows: list[dict[str, Any]],
                      *, title: str, subtitle: str, as_of: dt.date, year: int) -> None:
    """Title, header, rows, dropdowns, formats, print setup and protection of a data sheet.

    Printed like the master's sheets (``styling``): A4 landscape one page wide with the
    master's narrower print widths, the technical columns folded away (hidden, the data
    stays and is still checked), text wrapping and rows as tall as their text, so the
    printout is legible.  Every data cell of a column shares one format.
    """
    name = ws.get_name()
    ws.write_string(0, 0, title, fmt.get(bold=True, font_size=13))
    ws.write_string(1, 0, subtitle, fmt.get(italic=True))
    widths = ST.column_widths(columns, ST.PRINT_WIDTHS.get(name))
    grouped = ST.GROUPED_COLUMNS.get(name, ())
    folded = {S.col_index(columns, k) - 1 for k in grouped}
    head = S.HEADER_ROW - 1
    for j, col in enumerate(columns):
        ws.write_string(head, j, col.header, fmt.header(col.editable))
        options = ({"level": 1, "hidden": True} if j in folded
                   else {"collapsed": True} if j - 1 in folded else None)
        _set_width(ws, j, widths[col.key], options)
    formats = [fmt.body(c) for c in columns]
    keys = [c.key for c in columns]
    first = S.FIRST_DATA_ROW - 1
    for r, vals in enumerate(rows, start=first):
        _write_cells(ws, fmt, r, map(vals.get, keys), formats)
    _fit_rows(ws, columns, rows, widths, grouped)
    last = S.FIRST_DATA_ROW + max(len(rows), 1) - 1      # 1-based, as in the sheet
    _add_validations(ws, columns, last, year)
    _add_conditional_formats(ws, fmt, columns, last, as_of)
    ws.freeze_panes(first, 1)
    ws.autofilter(head, 0, last - 1, len(columns) - 1)
    _setup_print(ws, landscape=True, title_row=head)
    _protect(ws)


@functools.lru_cache(maxsize=50_000)
def _wrapped(text: str, width: float, bold: bool = False) -> int:
    return ST.wrapped_lines(text, width, bold=bold)


def _fit_rows(ws: Any, columns: tuple[S.Column, ...], rows: list[dict[str, Any]],
              widths: Mapping[str, float], skip: tuple[str, ...]) -> None:
    """Header and data rows as tall as their wrapped text (``styling.wrapped_lines``, memoised:
    the same task texts come back in every workbook)."""
    visible = [c for c in columns if c.key not in skip]
    ws.set_row(S.HEADER_ROW - 1, max(ST.HEADER_MIN_HEIGHT, ST.lines_height(
        max(_wrapped(c.header, widths[c.key], True) for c in visible))))
    wrapping = [(c.key, widths[c.key]) for c in visible if ST.wraps(c)]
    for r, vals in enumerate(rows, start=S.FIRST_DATA_ROW - 1):
        n = max((_wrapped(str(v), w) for k, w in wrapping if (v := vals.get(k)) not in (None, "")),
                default=1)
        if n > 1:
            ws.set_row(r, ST.lines_height(n))


def _block(columns: tuple[S.Column, ...], key: str, last: int) -> str:
    letter = S.col_letter(columns, key)
    return f"{letter}{S.FIRST_DATA_ROW}:{letter}{last}"


def _validation_options(dv: DataValidation) -> dict[str, Any]:
    """XlsxWriter options of an openpyxl ``DataValidation`` (the shared ones in ``styling``)."""
    out: dict[str, Any] = {"validate": dv.type, "ignore_blank": bool(dv.allow_blank),
                           "show_input": bool(dv.showInputMessage), "show_error": bool(dv.showErrorMessage)}
    if dv.operator or dv.type != "list":
        out["criteria"] = dv.operator or "between"
    for key, value in (("value", dv.formula1), ("maximum", dv.formula2)):
        if value is not None:
            out[key] = value if _is_number(value) else "=" + value
    for key, value in (("input_title", dv.promptTitle), ("input_message", dv.prompt),
                       ("error_title", dv.errorTitle), ("error_message", dv.error)):
        if value:
            out[key] = value
    if dv.errorStyle and dv.errorStyle != "stop":
        out["error_type"] = dv.errorStyle
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _add_validations(ws: Any, columns: tuple[S.Column, ...], last: int, year: int) -> None:
    ws.data_validation(_block(columns, "status", last), {
        "validate": "list", "source": Status.labels(), "ignore_blank": True,
        "error_title": "Trạng thái không hợp lệ", "error_message": "Chọn trạng thái trong danh sách thả xuống.",
        "input_title": "Trạng thái", "input_message": "Chọn trạng thái từ danh sách."})
    ws.data_validation(_block(columns, "progress", last),
                       _validation_options(ST.progress_validation(_block(columns, "progress", last))))
    ws.data_validation(_block(columns, "completed_on", last), {
        "validate": "date", "criteria": "between", "ignore_blank": True,
        "minimum": f"=DATE({year - 1},1,1)", "maximum": f"=DATE({year + 1},12,31)",
        "error_title": "Ngày hoàn thành không hợp lệ",
        "error_message": f"Nhập ngày dạng dd/mm/yyyy, trong khoảng năm {year - 1} - {year + 1}.",
        "input_title": "Ngày hoàn thành", "input_message": "Nhập ngày dạng dd/mm/yyyy."})


def _add_conditional_formats(ws: Any, fmt: _Formats, columns: tuple[S.Column, ...], last: int,
                             as_of: dt.date) -> None:
    ref = f"A{S.FIRST_DATA_ROW}:{S.col_letter(columns, columns[-1].key)}{last}"
    r = S.FIRST_DATA_ROW
    status = f"${S.col_letter(columns, 'status')}{r}"
    done = f'{status}="{Status.DONE.value}"'
    if any(c.key == "due" for c in columns):
        due = f"${S.col_letter(columns, 'due')}{r}"
        overdue = (f'AND(ISNUMBER({due}),{due}<DATE({as_of.year},{as_of.month},{as_of.day}),'
                   f'NOT({done}),{status}<>"{Status.CANCELLED.value}")')
        ws.conditional_format(ref, {"type": "formula", "criteria": "=" + overdue,
                                    "format": fmt.fill(ST.OVERDUE_FILL), "stop_if_true": True})
    ws.conditional_format(ref, {"type": "formula", "criteria": "=" + done, "format": fmt.fill(ST.DONE_FILL)})


def _setup_print(ws: Any, *, landscape: bool, title_row: int | None = None) -> None:
    """As ``styling.setup_print``: A4 one page wide, margins, sheet name and page numbers."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    m = ST.MARGINS
    ws.set_margins(left=m["left"], right=m["right"], top=m["top"], bottom=m["bottom"])
    font = f'&"{ST.HEADER_FOOTER_FONT}"&10 '
    ws.set_header("&R" + font + "&A", margin=m["header"])
    ws.set_footer("&C" + font + ST.FOOTER_TEXT, margin=m["footer"])
    if title_row is not None:
        ws.repeat_rows(title_row)


def _protect(ws: Any) -> None:
    """Password-protect the sheet; resizing columns/rows and filtering stay allowed (the
    password only prevents mistakes: see ``SHEET_PASSWORD``)."""
    ws.protect(SHEET_PASSWORD, {"objects": True, "scenarios": True, "format_columns": True,
                                "format_rows": True, "autofilter": True, "select_locked_cells": True,
                                "select_unlocked_cells": True})


def _guide_lines(info: UnitBookInfo, n_tasks: int, n_rem: int) -> list[tuple[str, bool]]:
    """(text, bold) lines of the instructions sheet."""
    due = info.return_by.strftime("%d/%m/%Y") if info.return_by else "theo thông báo của Văn phòng"
    lines = [
        ("HƯỚNG DẪN CẬP NHẬT PHIẾU TIẾN ĐỘ NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH", True),
        ("", False),
        (f"Đơn vị: {info.unit.name} (mã {info.unit.code})", True),
        (f"Kỳ báo cáo: {info.period_label} - {info.commune}, năm {info.year}".replace(" - ,", ","), False),
        (f"Số liệu tính đến ngày: {info.as_of.strftime('%d/%m/%Y')}", False),
        (f"Hạn gửi lại phiếu: {due}", True),
        (f"Gửi lại cho: {info.contact}", True),
        ("", False),
        (f"1. Trang \"{S.SHEET_TASKS}\" gồm {n_tasks} nhiệm vụ do đơn vị chủ trì"
         + (f"; trang \"{S.SHEET_REMEDIATION}\" gồm {n_rem} nội dung khắc phục." if n_rem else "."), False),
        ("2. Chỉ điền các cột nền vàng: Trạng thái (chọn trong danh sách), Tiến độ (%) (số từ 0 đến 100, "
         "ví dụ 80 - không nhập 0,8), Ngày hoàn thành (dd/mm/yyyy, không sau ngày báo cáo), "
         "Minh chứng (số, ký hiệu văn bản, đường dẫn), Ghi chú.", False),
        ("3. Nhiệm vụ đã xong: chọn \"Đã hoàn thành\", Tiến độ 100, ghi Ngày hoàn thành và Minh chứng.", False),
        ("4. Không sửa cột bị khóa (nội dung nhiệm vụ, sản phẩm, thời hạn, đơn vị chủ trì...). "
         "Cần điều chỉnh nội dung thì ghi vào cột Ghi chú." + _folded_note(), False),
        ("5. Không chèn/xóa dòng, không đổi thứ tự hoặc tên các trang, không đổi tên tệp.", False),
        ("6. Không nhập công thức (ô bắt đầu bằng dấu \"=\"): ô có công thức sẽ bị từ chối khi tổng hợp.", False),
        ("7. Lưu tệp dạng Excel (.xlsx) và gửi lại (trả lời thư đã nhận) trước hạn nêu trên.", False),
        ("", False),
        ("Lưu ý: mật khẩu bảo vệ trang chỉ để tránh sửa nhầm. Khi tổng hợp, phần mềm tự kiểm tra "
         "các cột bị khóa; dòng bị sửa nội dung sẽ bị từ chối.", False),
        (f"Phiếu tạo từ sổ tổng hợp \"{info.master_name}\" (phiên bản {info.master_version}).", False),
    ]
    return lines


def _folded_note() -> str:
    """Sentence of the instructions about the technical columns folded away for printing."""
    keys = ST.GROUPED_COLUMNS.get(S.SHEET_TASKS, ())
    if not keys:
        return ""
    names = ", ".join(S.header_of(S.TASK_COLUMNS, k) for k in keys)
    return f" Các cột kỹ thuật ({names}) được ẩn cho bản in gọn, dễ đọc: không cần xem hay sửa."


def _write_guide(ws: Any, fmt: _Formats, info: UnitBookInfo, n_tasks: int, n_rem: int) -> None:
    _set_width(ws, 0, 120)
    for i, (text, bold) in enumerate(_guide_lines(info, n_tasks, n_rem)):
        f = fmt.get(bold=bold, font_size=13 if i == 0 else ST.FONT_SIZE + 1, text_wrap=True, valign="top")
        _write_cells(ws, fmt, i, (text or None,), (f,))
    _setup_print(ws, landscape=False)
    _protect(ws)


def _write_meta(ws: Any, fmt: _Formats, meta: dict[str, Any], items: list[list[Any]]) -> None:
    for i, (k, v) in enumerate(meta.items()):
        _write_cells(ws, fmt, i, (k, v if not isinstance(v, (list, dict)) else json.dumps(v, ensure_ascii=False)))
    _write_cells(ws, fmt, 0, ITEM_HEADERS, first_col=ITEM_COL - 1)
    for i, item in enumerate(items, start=1):
        _write_cells(ws, fmt, i, item, first_col=ITEM_COL - 1)
    ws.very_hidden()


def _default_dates(period_label: str, as_of: dt.date | None,
                   return_by: dt.date | None) -> tuple[dt.date, dt.date | None]:
    """as_of defaults to the period cut-off (else today); return_by to cut-off + 2 days."""
    end = None
    try:
        from cchc_xl.core.periods import parse_period
        end = parse_period(period_label).end
    except Exception:  # unknown label or module missing: fall back to today
        end = None
    as_of = as_of or end or dt.date.today()
    if return_by is None and end is not None:
        return_by = end + dt.timedelta(days=2)
    return as_of, return_by



@dataclass
class _DataSheet:
    name: str
    columns: tuple[S.Column, ...]
    rows: list[dict[str, Any]]
    title: str
    subtitle: str


@dataclass
class UnitWorkbook:
    """A unit workbook ready to be written: ``save(path)`` writes it with XlsxWriter.

    Sheets, in order: the data sheets, the instructions, the very hidden ``_meta``."""

    info: UnitBookInfo
    data_sheets: list[_DataSheet]
    meta: dict[str, Any]
    items: list[list[Any]]
    n_tasks: int
    n_remediation: int

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.data_sheets] + [S.SHEET_GUIDE, S.SHEET_META]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the workbook to ``path`` (.xlsx).  Raises ``OSError`` when it cannot be written."""
        p = Path(path)
        wb = _Book(str(p), {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                            "strings_to_urls": False,
                            # widths are counted in digits of the default font (as the master)
                            "default_format_properties": {"font_name": ST.FONT_NAME,
                                                          "font_size": ST.FONT_SIZE}})
        wb.structure_password = SHEET_PASSWORD   # no sheet added, deleted, renamed or unhidden
        fmt = _Formats(wb)
        info = self.info
        for sheet in self.data_sheets:
            _write_data_sheet(wb.add_worksheet(sheet.name), fmt, sheet.columns, sheet.rows,
                              title=sheet.title, subtitle=sheet.subtitle, as_of=info.as_of, year=info.year)
        _write_guide(wb.add_worksheet(S.SHEET_GUIDE), fmt, info, self.n_tasks, self.n_remediation)
        _write_meta(wb.add_worksheet(S.SHEET_META), fmt, self.meta, self.items)
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:   # wraps the OSError
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, OSError):
                raise cause from None
            raise OSError(str(exc)) from None
        return p


def build_unit_workbook(plan: Plan, unit_code: str, *, period_label: str, master_version: int,
                        master_path_name: str = "", as_of: dt.date | None = None,
                        return_by: dt.date | None = None, contact: str = "",
                        unit_reports: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
                        created_at: dt.datetime | None = None,
                        registry: UnitRegistry | None = None,
                        items: tuple[list[Task], list[RemediationItem]] | None = None,
                        issued: Mapping[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any] | None]]
                        | None = None) -> UnitWorkbook:
    """Build the workbook sent to ``unit_code`` (in memory; ``.save(path)`` writes it).

    ``unit_reports[(item id, unit)]`` (rows of "Báo cáo đơn vị") replaces the
    master's tracking values for items with several lead units, so each unit
    sees and edits its own report.  ``issued[(unit, sheet, item id)]``: the values
    ``issued_values`` gives, when the caller has them already (the split records them in
    the master's merge base first).
    """
    reg = registry or registry_for(plan)
    unit = reg.by_code.get(unit_code)
    if unit is None:
        raise catalog.UNKNOWN_UNIT.error(unit=unit_code, sheet=S.SHEET_UNITS)
    as_of, return_by = _default_dates(period_label, as_of, return_by)
    tasks, rems = items if items is not None else unit_items(plan, unit_code, reg)
    info = UnitBookInfo(unit=unit, commune=plan.info.commune, year=plan.info.year,
                        period_label=period_label, as_of=as_of, return_by=return_by,
                        contact=contact or DEFAULT_CONTACT, master_version=master_version,
                        master_name=master_path_name)
    reports = unit_reports or {}
    meta_items: list[list[Any]] = []
    specs = [(S.SHEET_TASKS, S.TASK_COLUMNS, tasks, "NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH")]
    if rems:
        specs.append((S.SHEET_REMEDIATION, S.REMEDIATION_COLUMNS, rems,
                      "NỘI DUNG KHẮC PHỤC CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM"))
    sheets = []
    for sheet, columns, objs, heading in specs:
        rows = []
        for r, obj in enumerate(objs, start=S.FIRST_DATA_ROW):
            got = issued.get((unit_code, sheet, obj.id)) if issued is not None else None
            track, shared_base = got if got is not None else issued_values(obj, unit_code, reg, reports)
            vals = _row_values(obj, columns, track)
            fp, cells = fingerprint(columns, vals)
            meta_items.append([sheet, obj.id, r, fp, cells, base_to_json(track),
                               base_to_json(shared_base) if shared_base is not None else None])
            rows.append(vals)
        sheets.append(_DataSheet(sheet, columns, rows, title=f"{heading} - {unit.name.upper()}",
                                 subtitle=(f"Kỳ báo cáo: {period_label}. Chỉ điền các cột nền vàng; "
                                           f"xem trang \"{S.SHEET_GUIDE}\".")))
    meta = {
        "kind": UNIT_KIND, "schema_version": S.SCHEMA_VERSION, "unit_code": unit.code,
        "unit_name": unit.name, "commune": plan.info.commune, "year": plan.info.year,
        "period_label": period_label, "master_version": master_version,
        "master_file": master_path_name,
        "created_at": (created_at or dt.datetime.now()).replace(microsecond=0).isoformat(),
        "as_of": as_of.isoformat(), "return_by": return_by.isoformat() if return_by else "",
        "task_ids": [t.id for t in tasks], "remediation_ids": [r.id for r in rems],
    }
    return UnitWorkbook(info, sheets, meta, meta_items, len(tasks), len(rems))

