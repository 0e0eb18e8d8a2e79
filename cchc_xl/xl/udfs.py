"""Worksheet functions ``=CCHC_...`` (xlwings UDFs).

Import them into the master workbook with the xlwings ribbon ("Import
Functions", UDF Modules = ``cchc_xl.xl.udfs``).  Each function is a thin wrapper
over the pure core (``deadlines``, ``compute``, ``validate``, ``text``, ``units``) and
never raises: bad input gives a Vietnamese text starting with "Lỗi:" in the cell.

Arguments arrive as Excel gives them: dates as ``datetime``, numbers as
``float``, empty cells as ``None``, ranges (``ndim=2``) as lists of lists.  The
type hints are ``Annotated[Any, {...}]`` on purpose: on Windows xlwings turns a
hint into a converter, ``Any`` means "no conversion", and the ``doc`` entries
are shown in Excel's function wizard.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Callable, TypeVar

import xlwings as xw

from cchc_xl.core.compute import STATE_LABELS, deduction, progress, task_state
from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.core.rounding import percent
from cchc_xl.core.records import parse_date, parse_status
from cchc_xl.core.findings import catalog
from cchc_xl.core.models import Area, CchcError, Finding, IndexCriterion, Plan, PlanInfo, Status, Task, Unit
from cchc_xl.core.text import CellValueError, fold, normalize_text, parse_number
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry
from cchc_xl.core.validate import validate_index, validate_tasks

CATEGORY = "CCHC"

_F = TypeVar("_F", bound=Callable[..., Any])

Text = Annotated[Any, {"doc": "Văn bản hoặc ô chứa văn bản"}]
Day = Annotated[Any, {"doc": "Ngày (ô định dạng ngày hoặc văn bản dd/mm/yyyy)"}]
Number = Annotated[Any, {"doc": "Số (chấp nhận dấu phẩy thập phân: 0,07)"}]
Column = Annotated[Any, {"ndim": 2, "doc": "Vùng một cột, ví dụ M5:M200"}]


def _safe(f: _F) -> _F:
    """Turn any exception into a Vietnamese "Lỗi: ..." cell text instead of a traceback."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except CchcError as exc:   # bad input: a catalogue message ("Lỗi: ...")
            return str(exc)
        except Exception as exc:  # never show a Python traceback in a cell
            return str(catalog.UDF_FAILED(why=f"{exc.__class__.__name__}: {exc}"))

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------ converters

def _day(value: Any, label: str) -> dt.date | None:
    try:
        return parse_date(value)
    except CellValueError as exc:
        raise exc.error(column=label) from None


def _as_of(value: Any) -> dt.date:
    return _day(value, "Ngày số liệu") or dt.date.today()


def _number(value: Any, label: str) -> float | None:
    try:
        return parse_number(value)
    except ValueError:
        raise catalog.NOT_A_NUMBER.error(column=label, value=value) from None


def _status(value: Any) -> Status:
    if value is None or value == "":
        return Status.NOT_STARTED
    status = parse_status(value)
    if status is None:
        raise catalog.UNKNOWN_STATUS.error(value=normalize_text(value), labels=", ".join(Status.labels()))
    return status


def _year(value: Any, text: str) -> int:
    if value not in (None, ""):
        number = _number(value, "Năm")
        if number is None or not 2000 <= number <= 2100:
            raise catalog.BAD_YEAR.error(value=value)
        return int(number)
    words = fold(text).split()
    years = [int(w) for w in words if w.isdigit() and len(w) == 4 and 2000 <= int(w) <= 2100]
    return years[-1] if years else dt.date.today().year


def _column(values: Any) -> list[Any]:
    """A one-column range (list of lists, or a single value/empty cell) -> flat list."""
    if not isinstance(values, list):
        return [values]
    return [row[0] if isinstance(row, list) else row for row in values]


def _excel_date(day: dt.date | None) -> Any:
    return dt.datetime.combine(day, dt.time()) if day else ""


def _task(status: Status, due: dt.date | None, done_on: dt.date | None, pct: float = 0.0) -> Task:
    return Task(id="-", area=Area.CHI_DAO, status=status, due=due, completed_on=done_on,
                progress=pct)


# ------------------------------------------------------------------ checks (validate.py rules)

_SCORE_CODES = {t.code for t in (catalog.NEGATIVE_POINTS, catalog.APPRAISED_GT_MAX, catalog.DEDUCTION_GT_MAX,
                                  catalog.DEDUCTION_MISMATCH)}
# the tracking rules of a task row; "date_before_year" needs the plan year, unknown to a cell
_ROW_CODES = {t.code for t in (catalog.PROGRESS_RANGE, catalog.PROGRESS_FRACTION, catalog.DONE_PROGRESS,
                               catalog.DONE_NO_DATE, catalog.PROGRESS_NOT_DONE, catalog.DATE_NOT_DONE,
                               catalog.DATE_FUTURE, catalog.OVERDUE)}


def _text_of(finding: Finding) -> str:
    """Finding message without its "Nhiệm vụ X: " / "Lĩnh vực ...: " label, capitalised."""
    text = finding.message.split(": ", 1)[-1]
    return text[:1].upper() + text[1:]


def score_problems(max_points: float | None, appraised: float | None,
                   deducted: float | None) -> list[str]:
    """Problems of one score line (max / appraised / deducted), as "Kiểm tra" reports them."""
    item = IndexCriterion(area=Area.CHI_DAO, name="-", max_points=max_points, appraised=appraised,
                          deducted=deducted)
    plan = Plan(info=PlanInfo(year=dt.date.today().year), index_criteria=[item])
    return [_text_of(f) for f in validate_index(plan) if f.code in _SCORE_CODES]


def row_problems(status: Status, pct: float | None, done_on: dt.date | None, due: dt.date | None,
                 as_of: dt.date) -> list[str]:
    """Problems of the tracking cells of one task row, as "Kiểm tra" reports them."""
    task = Task(id="-", area=Area.CHI_DAO, status=status, progress=pct or 0.0, completed_on=done_on,
                due=due, lead="-", lead_units=[DEFAULT_UNITS[0].code])
    plan = Plan(info=PlanInfo(year=as_of.year), units=DEFAULT_UNITS, tasks=[task])
    return [_text_of(f) for f in validate_tasks(plan, as_of=as_of) if f.code in _ROW_CODES]


@functools.lru_cache(maxsize=32)
def _registry(rows: tuple[tuple[Any, ...], ...]) -> UnitRegistry:
    units = []
    for row in rows:
        cells = list(row) + [None] * (6 - len(row))
        code, name = normalize_text(cells[0]), normalize_text(cells[1])
        if not code or not name or fold(code) == "ma don vi":
            continue
        units.append(Unit(code=code, name=name, aliases=cells[2], email=normalize_text(cells[3]),
                          head=cells[4], members=cells[5]))
    return UnitRegistry(units or DEFAULT_UNITS)


# ------------------------------------------------------------------ worksheet functions

@xw.func(category=CATEGORY)
@_safe
def CCHC_HAN(thoi_gian: Annotated[Any, {"doc": "Nội dung cột 'Thời gian hoàn thành'"}],
             nam: Annotated[Any, {"doc": "Năm kế hoạch (bỏ trống: lấy năm trong văn bản)"}] = None
             ) -> Any:
    """Hạn hoàn thành (ngày) đọc từ cột 'Thời gian hoàn thành', ví dụ 'Quý III' -> 30/09. Trả về rỗng nếu thời hạn theo điều kiện."""
    text = normalize_text(thoi_gian)
    if not text:
        return ""
    return _excel_date(parse_deadline(text, _year(nam, text)).due)


@xw.func(category=CATEGORY)
@_safe
def CCHC_TRANGTHAI(trang_thai: Annotated[Any, {"doc": "Trạng thái (danh sách thả xuống)"}],
                   han: Day = None, ngay_ht: Day = None, ngay_so_lieu: Day = None) -> Any:
    """Tình trạng nhiệm vụ tại ngày số liệu: Đã hoàn thành, Quá hạn, Đang thực hiện, Chưa thực hiện hoặc Không thực hiện."""
    task = _task(_status(trang_thai), _day(han, "Hạn"), _day(ngay_ht, "Ngày hoàn thành"))
    return STATE_LABELS[task_state(task, _as_of(ngay_so_lieu))]


@xw.func(category=CATEGORY)
@_safe
def CCHC_TYLE_HOANTHANH(trang_thai_range: Column, ngay_ht_range: Column, ngay_so_lieu: Day = None,
                        ma_nv_range: Annotated[Any, {"ndim": 2, "doc": "Cột Mã NV (tùy chọn)"}] = None
                        ) -> Any:
    """Tỷ lệ hoàn thành (0-100): số nhiệm vụ đã hoàn thành đến ngày số liệu / số nhiệm vụ phải thực hiện (không tính 'Không thực hiện')."""
    statuses, dates = _column(trang_thai_range), _column(ngay_ht_range)
    ids = _column(ma_nv_range) if ma_nv_range is not None else []
    if len(dates) != len(statuses) or (ids and len(ids) != len(statuses)):
        raise catalog.RANGES_MISMATCH.error()
    tasks = []
    for i, (status, done_on) in enumerate(zip(statuses, dates)):
        counted = ids[i] not in (None, "") if ids else status not in (None, "")
        if counted:
            tasks.append(_task(_status(status), None, _day(done_on, f"Ngày hoàn thành (dòng {i + 1})")))
    percent = progress(tasks, _as_of(ngay_so_lieu)).percent
    return "" if percent is None else percent


@xw.func(category=CATEGORY)
@_safe
def CCHC_TYLE(so_luong: Number, tong_so: Number) -> Any:
    """Tỷ lệ % = số lượng / tổng số x 100, làm tròn nửa lên 2 chữ số (41/43 -> 95,35), như hàm ROUND của Excel và báo cáo."""
    value = percent(_number(so_luong, "Số lượng"), _number(tong_so, "Tổng số"))
    return "" if value is None else value


@xw.func(category=CATEGORY)
@_safe
def CCHC_DIEMTRU(diem_toi_da: Number, diem_tham_dinh: Number) -> Any:
    """Điểm bị trừ = điểm tối đa - điểm thẩm định (làm tròn 2 chữ số)."""
    value = deduction(_number(diem_toi_da, "Điểm tối đa"), _number(diem_tham_dinh, "Điểm thẩm định"))
    return "" if value is None else value


@xw.func(category=CATEGORY)
@_safe
def CCHC_KIEMTRA_DIEM(toi_da: Number, tham_dinh: Number, bi_tru: Number) -> Any:
    """Kiểm tra một dòng điểm chỉ số CCHC; rỗng nếu khớp, nếu không trả về nội dung sai lệch."""
    return "; ".join(score_problems(_number(toi_da, "Điểm tối đa"), _number(tham_dinh, "Điểm thẩm định"),
                                    _number(bi_tru, "Điểm bị trừ")))


@xw.func(category=CATEGORY)
@_safe
def CCHC_KIEMTRA_DONG(trang_thai: Annotated[Any, {"doc": "Trạng thái"}],
                      tien_do: Annotated[Any, {"doc": "Tiến độ (%) từ 0 đến 100"}],
                      ngay_ht: Day = None, han: Day = None, ngay_so_lieu: Day = None) -> Any:
    """Kiểm tra các cột theo dõi của một nhiệm vụ; rỗng nếu hợp lệ, nếu không trả về các lỗi cách nhau bởi dấu chấm phẩy."""
    problems = row_problems(_status(trang_thai), _number(tien_do, "Tiến độ"),
                            _day(ngay_ht, "Ngày hoàn thành"), _day(han, "Hạn"), _as_of(ngay_so_lieu))
    return "; ".join(problems)


@xw.func(category=CATEGORY)
@_safe
def CCHC_CHUANHOA(van_ban: Text) -> Any:
    """Chuẩn hóa văn bản tiếng Việt: dựng sẵn (NFC), bỏ khoảng trắng thừa, đặt dấu thanh kiểu mới (hoá -> hóa)."""
    return normalize_text(van_ban)


@xw.func(category=CATEGORY)
@_safe
def CCHC_DONVI(ten_don_vi: Annotated[Any, {"doc": "Tên đơn vị, có thể nhiều tên cách nhau bởi ;"}],
               bang_don_vi: Annotated[Any, {"ndim": 2, "doc": "Bảng trang 'Đơn vị' (tùy chọn)"}] = None
               ) -> Any:
    """Mã đơn vị từ tên (ví dụ 'Phòng Văn hoá - Xã hội' -> VHXH); nhóm đơn vị được tách thành các mã thành viên."""
    rows = tuple(tuple(r) for r in bang_don_vi) if isinstance(bang_don_vi, list) else ()
    codes, unknown = _registry(rows).resolve(normalize_text(ten_don_vi))
    text = "; ".join(codes)
    if unknown:
        text += (" | " if text else "") + "Không nhận ra: " + "; ".join(unknown)
    return text
