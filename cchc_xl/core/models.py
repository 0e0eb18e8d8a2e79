"""Domain models (pydantic).  Pure data: no file I/O here.

Vocabulary (code English, user text Vietnamese):

* ``Task``       - one row of the appendix "PHÂN CÔNG THỰC HIỆN NHIỆM VỤ" plus tracking.
* ``Unit``       - a department (phòng/ban/trung tâm) with its aliases and e-mail.
* ``IndexArea`` / ``IndexCriterion`` - CCHC index scores (8 areas).
* ``RemediationItem`` - one "khắc phục" item for a deducted criterion.
* ``Plan``       - everything the master workbook holds.
* ``Finding``    - a validation/import message located at file/sheet/cell.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cchc_xl.core.text import normalize_text


def _new_list() -> list:
    """An empty list, as default factory: pydantic inspects a factory's signature on every
    ``model_construct``, and ``inspect.signature(list)`` parses text (50 000 tasks: ~6 s)."""
    return []


class Area(str, Enum):
    """The 8 areas of the CCHC index (Chỉ số CCHC).  Value = index area number."""

    CHI_DAO = "1"      # Công tác chỉ đạo, điều hành cải cách hành chính
    THE_CHE = "2"      # Cải cách thể chế
    TTHC = "3"         # Cải cách thủ tục hành chính
    TO_CHUC = "4"      # Cải cách tổ chức bộ máy hành chính nhà nước
    CONG_VU = "5"      # Cải cách chế độ công vụ
    TAI_CHINH = "6"    # Cải cách tài chính công
    CQ_SO = "7"        # Xây dựng, phát triển chính quyền điện tử, chính quyền số
    TAC_DONG = "8"     # Tác động của CCHC đến người dân, tổ chức và phát triển KT-XH


AREA_NAMES: dict[Area, str] = {
    Area.CHI_DAO: "Công tác chỉ đạo, điều hành cải cách hành chính",
    Area.THE_CHE: "Cải cách thể chế",
    Area.TTHC: "Cải cách thủ tục hành chính",
    Area.TO_CHUC: "Cải cách tổ chức bộ máy hành chính nhà nước",
    Area.CONG_VU: "Cải cách chế độ công vụ",
    Area.TAI_CHINH: "Cải cách tài chính công",
    Area.CQ_SO: "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
    Area.TAC_DONG: "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội",
}

# Short labels for charts / narrow columns.
AREA_SHORT: dict[Area, str] = {
    Area.CHI_DAO: "Chỉ đạo, điều hành",
    Area.THE_CHE: "Thể chế",
    Area.TTHC: "Thủ tục hành chính",
    Area.TO_CHUC: "Tổ chức bộ máy",
    Area.CONG_VU: "Chế độ công vụ",
    Area.TAI_CHINH: "Tài chính công",
    Area.CQ_SO: "Chính quyền số",
    Area.TAC_DONG: "Tác động",
}


class Status(str, Enum):
    """Tracking status; the value is the Vietnamese label shown in dropdowns."""

    NOT_STARTED = "Chưa thực hiện"
    IN_PROGRESS = "Đang thực hiện"
    DONE = "Đã hoàn thành"
    ONGOING = "Thường xuyên"   # recurring task being carried out as planned
    CANCELLED = "Không thực hiện"

    @classmethod
    def labels(cls) -> list[str]:
        return [s.value for s in cls]


class DeadlineKind(str, Enum):
    DATE = "date"            # a precise due date ("Trước ngày 30/7/2025")
    MONTH = "month"          # "Tháng 9/2025" -> last day of month
    QUARTER = "quarter"      # "Quý III/2025" -> last day of quarter
    YEAR = "year"            # "Trong năm 2025" -> 31/12
    RECURRING = "recurring"  # "Thường xuyên", "Định kỳ hằng tháng"
    CONDITIONAL = "conditional"  # "Khi có Kế hoạch của UBND tỉnh", "Sau 03 tháng kể từ..."
    UNKNOWN = "unknown"


class Milestone(BaseModel):
    """One dated step of a deadline text ("Ban hành kế hoạch" by 15/08/2025)."""

    model_config = ConfigDict(frozen=True)

    label: str = ""                     # the step as written, without its date words
    due: dt.date


class Deadline(BaseModel):
    """Parsed "Thời gian hoàn thành"."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    kind: DeadlineKind = DeadlineKind.UNKNOWN
    due: dt.date | None = None          # the date after which the task is overdue
    recurrence: Literal["", "weekly", "monthly", "quarterly", "yearly", "continuous"] = ""
    milestones: tuple[dt.date, ...] = ()  # every date found in the text, sorted
    steps: tuple[Milestone, ...] = ()     # the same dates with their labels, when there are several


class Unit(BaseModel):
    """A department of the commune (or a group of departments)."""

    code: str = Field(..., description="Mã đơn vị, ngắn, không dấu: VP, VHXH, KT, PVHCC")
    name: str = Field(..., description="Tên đầy đủ: Phòng Văn hóa - Xã hội")
    aliases: list[str] = Field(default=[])
    email: str = ""
    head: str = ""                 # người phụ trách / trưởng phòng
    members: list[str] = Field(default=[])  # for a group: member unit codes

    @property
    def is_group(self) -> bool:
        return bool(self.members)

    @field_validator("name", "head", mode="before")
    @classmethod
    def _norm(cls, v: object) -> str:
        return normalize_text(v)

    @field_validator("aliases", mode="before")
    @classmethod
    def _norm_aliases(cls, v: object) -> list[str]:
        if v is None or v == "":
            return []
        if isinstance(v, str):
            v = [a for a in v.replace("\n", ";").split(";")]
        return [normalize_text(a) for a in v if normalize_text(a)]

    @field_validator("members", mode="before")
    @classmethod
    def _split_members(cls, v: object) -> list[str]:
        if v is None or v == "":
            return []
        if isinstance(v, str):
            return [m.strip() for m in v.replace(",", ";").split(";") if m.strip()]
        return list(v)


class Task(BaseModel):
    """One assignment row of the plan appendix, with its tracking columns."""

    id: str = Field(..., description="Mã nhiệm vụ ổn định, ví dụ 'II-05' hoặc 'III-01b'")
    area: Area
    section: str = ""              # section number as printed: I, II, ... VII
    tt: str = ""                   # number as printed in the appendix ("1", "" for unnumbered)
    title: str = ""                # Nhiệm vụ
    product: str = ""              # Sản phẩm
    deadline_text: str = ""        # Thời gian hoàn thành (free text)
    due: dt.date | None = None     # Hạn (ngày): parsed from deadline_text, may be set by hand
    lead: str = ""                 # Chủ trì (as written, normalised)
    partners: str = ""             # Phối hợp
    monitor: str = ""              # Theo dõi, kiểm tra, đôn đốc
    # resolved unit codes: a set in the order written (a code listed twice counts once, as in the
    # formulas of "Tổng quan")
    lead_units: list[str] = Field(default=[])
    criteria: str = ""             # Tiêu chí: criterion codes this task serves ("1.4.1; 7.3.7"), confirmed
    criteria_suggested: str = ""   # Tiêu chí (gợi ý): codes suggested by name matching, to confirm
    # dated steps of a deadline text with several milestones (the last one is ``due``);
    # derived from deadline_text, not a column of the master
    milestones: list[Milestone] = Field(default=[])
    # tracking
    status: Status = Status.NOT_STARTED
    progress: float = 0.0          # 0..100 (percent)
    completed_on: dt.date | None = None
    evidence: str = ""             # Minh chứng (số/ký hiệu văn bản, link)
    note: str = ""

    @field_validator("title", "product", "deadline_text", "lead", "partners", "monitor",
                     "evidence", "note", "tt", "section", "criteria", "criteria_suggested", mode="before")
    @classmethod
    def _norm(cls, v: object) -> str:
        return normalize_text(v)

    @field_validator("lead_units", mode="before")
    @classmethod
    def _unique_units(cls, v: object) -> object:
        """Each unit code once, first occurrence kept ("PVHCC; PVHCC" is one unit)."""
        if isinstance(v, (list, tuple)):
            return list(dict.fromkeys(str(c).strip() for c in v if str(c).strip()))
        return v

    @property
    def is_done(self) -> bool:
        return self.status == Status.DONE


class IndexArea(BaseModel):
    """Score of one of the 8 index areas."""

    area: Area
    name: str = ""
    max_points: float
    appraised: float | None = None     # Điểm thẩm định
    deducted: float | None = None      # Điểm bị trừ (as written in the source)
    self_assessed: float | None = None  # Điểm tự đánh giá (when the source gives it)


class IndexCriterion(BaseModel):
    """A criterion (tiêu chí/tiêu chí thành phần) inside an area."""

    area: Area
    code: str = ""                     # e.g. "1.1", "7b.2.3.1" (may be empty)
    name: str
    max_points: float | None = None
    appraised: float | None = None
    deducted: float | None = None
    self_assessed: float | None = None


class RemediationItem(BaseModel):
    """Khắc phục: a measure for a deducted criterion."""

    id: str
    area: Area
    criterion: str = ""                # name of the deducted criterion (or "" for the whole area)
    deducted: float | None = None
    solution: str = ""                 # Giải pháp thực hiện
    deadline_text: str = ""
    lead: str = ""
    partners: str = ""
    criterion_code: str = ""           # Mã tiêu chí as the document writes it
    last_result: str = ""              # Kết quả thực hiện năm trước (as written)
    target: str = ""                   # Chỉ tiêu khắc phục
    due: dt.date | None = None         # Hạn (ngày): parsed from deadline_text, may be set by hand
    criteria_suggested: str = ""       # criterion codes suggested by name matching (to confirm)
    source: str = ""                   # Nguồn: the document the row was imported from
    status: Status = Status.NOT_STARTED
    progress: float = 0.0
    completed_on: dt.date | None = None
    evidence: str = ""
    note: str = ""


class PlanInfo(BaseModel):
    """Header data of the plan (shown on the dashboard and in reports)."""

    commune: str = ""                  # "xã Quảng Sơn"
    province: str = ""                 # "tỉnh Lâm Đồng"
    year: int
    plan_number: str = ""              # "149/KH-UBND"
    plan_date: dt.date | None = None
    index_year: int | None = None      # year of the index scores held
    master_version: int = 1            # bumped on every split


class Plan(BaseModel):
    """The content of the master workbook."""

    info: PlanInfo
    units: list[Unit] = Field(default_factory=_new_list)
    tasks: list[Task] = Field(default_factory=_new_list)
    index_areas: list[IndexArea] = Field(default_factory=_new_list)
    index_criteria: list[IndexCriterion] = Field(default_factory=_new_list)
    remediation: list[RemediationItem] = Field(default_factory=_new_list)

    def task(self, task_id: str) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)


Severity = Literal["error", "warning", "info"]


SEVERITY_LABELS: dict[str, str] = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}


class Finding(BaseModel):
    """A located message.  ``str(finding)`` is the Vietnamese text shown to users."""

    severity: Severity = "error"
    code: str                          # machine code, e.g. "deduction_gt_max"
    message: str                       # Vietnamese
    file: str = ""
    sheet: str = ""
    cell: str = ""                     # "B12" (or "B" / "12" when the whole column/row)
    task_id: str = ""

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"tệp {self.file}")
        if self.sheet:
            parts.append(f"trang '{self.sheet}'")
        if self.cell:
            parts.append(self.cell if self.cell.startswith("dòng") else f"ô {self.cell}")
        return ", ".join(parts)

    def __str__(self) -> str:
        label = SEVERITY_LABELS[self.severity]
        loc = self.location()
        return f"{label}: {self.message}" + (f" ({loc})" if loc else "")


class CchcError(Exception):
    """An error for the user: Vietnamese message + location.

    Raise ``catalog.X.error(...)`` (``cchc_xl.core.findings``) rather than building one with inline
    text: ``code`` is required and names a declared finding type.
    """

    def __init__(self, message: str, *, code: str, file: str = "", sheet: str = "", cell: str = "") -> None:
        self.finding = Finding(code=code, message=message, file=file, sheet=sheet, cell=cell)
        super().__init__(str(self.finding))
