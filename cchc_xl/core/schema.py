"""Layout of the master workbook and of the unit workbooks: sheet names,
column headers (Vietnamese), widths and kinds.  Every adapter reads this;
nothing else hard-codes a header or a sheet name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SCHEMA_VERSION = 1
UNIT_KIND = "unit"   # "_meta" kind of a unit workbook (Tạo phiếu); a master says "master"

# --- sheet names (user-facing, Vietnamese) -------------------------------
SHEET_DASHBOARD = "Tổng quan"
SHEET_TASKS = "Phân công"
SHEET_UNITS = "Đơn vị"
SHEET_INDEX = "Chỉ số CCHC"
SHEET_REMEDIATION = "Khắc phục"
SHEET_LISTS = "Danh mục"          # hidden: dropdown sources
SHEET_META = "_meta"              # very hidden: key/value metadata
SHEET_AUDIT = "Nhật ký"           # consolidation audit log
SHEET_UNIT_REPORTS = "Báo cáo đơn vị"  # per (task, unit) reports, for tasks with several lead units
SHEET_REPORT = "Báo cáo quý"
SHEET_GUIDE = "Hướng dẫn"         # unit workbooks: instructions
SHEET_SUBMISSIONS = "Tình hình gửi phiếu"   # register: who was sent what, who returned what
SHEET_FEEDBACK = "Phản hồi"       # unit workbooks sent back: refused cells and what to do
SHEET_INDICATORS = "Số liệu"      # figures per period not from the task table (core.indicators)
SHEET_HISTORY = "Lịch sử"         # snapshots at each period's cut-off (core.history)
SHEET_INTAKE = "Nhập liệu"        # what the import of the appendix understood (khoi-tao)

HEADER_ROW = 4      # row of column headers on data sheets (rows 1-2: title, row 3: blank)
FIRST_DATA_ROW = HEADER_ROW + 1

Kind = Literal["text", "longtext", "date", "percent", "number", "choice", "int"]


@dataclass(frozen=True)
class Column:
    key: str            # model field name
    header: str         # Vietnamese header shown in Excel
    width: float = 14
    kind: Kind = "text"
    editable: bool = False   # editable by a department in its unit workbook
    tracking: bool = False   # a tracking column (merged back by "Tổng hợp")


TASK_COLUMNS: tuple[Column, ...] = (
    Column("id", "Mã NV", 10),
    Column("section", "Phần", 6),
    Column("area_name", "Lĩnh vực", 16),
    Column("tt", "TT", 5),
    Column("title", "Nhiệm vụ", 48, "longtext"),
    Column("product", "Sản phẩm", 32, "longtext"),
    Column("deadline_text", "Thời gian hoàn thành", 22, "longtext"),
    Column("due", "Hạn (ngày)", 12, "date"),
    Column("lead", "Chủ trì", 20),
    Column("partners", "Phối hợp", 20),
    Column("monitor", "Theo dõi, kiểm tra, đôn đốc", 18),
    Column("lead_units", "Mã đơn vị chủ trì", 12),
    Column("status", "Trạng thái", 16, "choice", editable=True, tracking=True),
    Column("progress", "Tiến độ (%)", 10, "percent", editable=True, tracking=True),
    Column("completed_on", "Ngày hoàn thành", 13, "date", editable=True, tracking=True),
    Column("evidence", "Minh chứng", 28, "longtext", editable=True, tracking=True),
    Column("note", "Ghi chú", 24, "longtext", editable=True, tracking=True),
    # links to the index criteria (after the tracking columns: the letters above never move)
    Column("criteria", "Tiêu chí", 10),                      # criterion codes (Chỉ số CCHC), confirmed
    Column("criteria_suggested", "Tiêu chí (gợi ý)", 10),    # suggested by name matching, to confirm
)

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "Mã đơn vị", 10),
    Column("name", "Tên đơn vị", 36),
    Column("aliases", "Tên gọi khác (cách nhau bởi ;)", 40),
    Column("email", "Email", 28),
    Column("head", "Người phụ trách", 22),
    Column("members", "Gồm các đơn vị (mã, cho nhóm)", 24),
)

INDEX_COLUMNS: tuple[Column, ...] = (
    Column("area", "Lĩnh vực", 8),
    Column("level", "Cấp", 10),              # "Lĩnh vực" | "Tiêu chí"
    Column("code", "Mã tiêu chí", 10),
    Column("name", "Nội dung", 56, "longtext"),
    Column("max_points", "Điểm tối đa", 10, "number"),
    Column("appraised", "Điểm thẩm định", 10, "number"),
    Column("deducted", "Điểm bị trừ", 10, "number"),
    Column("deducted_calc", "Điểm bị trừ (tính)", 10, "number"),  # formula = max - appraised
    Column("check", "Kiểm tra", 24),                                # formula flag
    Column("at_risk", "Điểm có nguy cơ bị trừ", 10, "number"),      # formula: see compute.points_at_risk
    Column("self_assessed", "Điểm tự đánh giá", 10, "number"),      # when the province's table gives it
)
LEVEL_AREA = "Lĩnh vực"
LEVEL_CRITERION = "Tiêu chí"

REMEDIATION_COLUMNS: tuple[Column, ...] = (
    Column("id", "Mã KP", 9),
    Column("area", "Lĩnh vực", 8),
    Column("criterion_code", "Tiêu chí", 10),                # criterion codes, confirmed
    Column("criterion", "Tiêu chí bị trừ điểm", 40, "longtext"),
    Column("deducted", "Điểm bị trừ", 10, "number"),
    Column("last_result", "Kết quả năm trước", 24, "longtext"),
    Column("target", "Chỉ tiêu khắc phục", 24, "longtext"),
    Column("solution", "Giải pháp khắc phục", 48, "longtext"),
    Column("deadline_text", "Thời gian khắc phục", 16),
    Column("due", "Hạn (ngày)", 12, "date"),
    Column("lead", "Chủ trì", 20),
    Column("partners", "Phối hợp", 20),
    Column("criteria_suggested", "Tiêu chí (gợi ý)", 12),
    Column("source", "Nguồn", 18),
    Column("status", "Trạng thái", 16, "choice", editable=True, tracking=True),
    Column("progress", "Tiến độ (%)", 10, "percent", editable=True, tracking=True),
    Column("completed_on", "Ngày hoàn thành", 13, "date", editable=True, tracking=True),
    Column("evidence", "Minh chứng", 28, "longtext", editable=True, tracking=True),
    Column("note", "Ghi chú", 24, "longtext", editable=True, tracking=True),
)

AUDIT_COLUMNS: tuple[Column, ...] = (
    Column("at", "Thời điểm", 18),
    Column("user", "Người thực hiện", 16),
    Column("source", "Tệp nguồn", 30),
    Column("file_hash", "Mã tệp (SHA-256)", 18),
    Column("unit", "Đơn vị", 10),
    Column("task_id", "Mã NV", 10),
    Column("field", "Cột", 16),
    Column("old", "Giá trị cũ", 24),
    Column("new", "Giá trị mới", 24),
    Column("action", "Kết quả", 16),   # "Đã cập nhật" | "Xung đột" | "Từ chối"
)
AUDIT_FIXED_COLUMNS = 5  # at, user, source, file_hash, unit: the same for every audit row of a file

UNIT_REPORT_COLUMNS: tuple[Column, ...] = (
    Column("task_id", "Mã NV", 10),
    Column("unit", "Đơn vị", 10),
    Column("status", "Trạng thái", 16, "choice"),
    Column("progress", "Tiến độ (%)", 10, "percent"),
    Column("completed_on", "Ngày hoàn thành", 13, "date"),
    Column("evidence", "Minh chứng", 28, "longtext"),
    Column("note", "Ghi chú", 24, "longtext"),
    Column("source", "Tệp nguồn", 30),
    Column("received_at", "Thời điểm nhận", 18),
)

# "Tình hình gửi phiếu": one row per reporting period and unit (``core.register``).
SUBMISSION_COLUMNS: tuple[Column, ...] = (
    Column("period", "Kỳ báo cáo", 14),
    Column("unit", "Mã đơn vị", 10),
    Column("unit_name", "Tên đơn vị", 30),
    Column("version", "Phiên bản phiếu", 10, "int"),
    Column("issued_on", "Ngày phát hành", 12, "date"),
    Column("due", "Hạn gửi lại", 12, "date"),
    Column("mailed_on", "Ngày gửi thư", 12, "date"),
    Column("file", "Tệp gửi về", 30),
    Column("sha256", "Mã tệp (SHA-256)", 18),
    Column("received_on", "Ngày nhận", 12, "date"),
    Column("returns", "Số lần gửi về", 9, "int"),
    Column("refused_cells", "Số ô bị từ chối", 9, "int"),
    Column("file_refused", "Tệp bị từ chối", 9, "int"),
    Column("conflicts", "Số xung đột", 9, "int"),
    Column("status", "Tình trạng", 18),
    Column("superseded", "Đã thay thế", 26, "longtext"),
    Column("details", "Ô bị từ chối, lý do", 60, "longtext"),
)

TRACKING_FIELDS: tuple[str, ...] = tuple(c.key for c in TASK_COLUMNS if c.tracking)


def header_of(columns: tuple[Column, ...], key: str) -> str:
    return next(c.header for c in columns if c.key == key)


EXCEL_MAX_ROWS = 1_048_576          # rows of a worksheet (Excel 2007 and later)


def col_index(columns: tuple[Column, ...], key: str) -> int:
    """1-based column index of ``key``."""
    return next(i for i, c in enumerate(columns, start=1) if c.key == key)


def col_letter(columns: tuple[Column, ...], key: str) -> str:

    return column_letter(col_index(columns, key))


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
