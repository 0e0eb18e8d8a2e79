"""The bundled sample: xã Quảng Sơn, Kế hoạch CCHC 2025 (số 149/KH-UBND ngày 30/7/2025).

* ``sample_plan()``      - the plan built from the packaged appendix (+ index
  scores and remediation items from ``index_import.sample_index`` when present).
* ``sample_progress()``  - a copy with simulated, deterministic tracking data so
  that a demo shows done / in-progress / overdue tasks.
* ``write_appendix_docx()`` / ``write_sample_inputs()`` - the user-facing sample
  input files (a real Word table with merged cells, Times New Roman).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from importlib import resources
from pathlib import Path

from cchc_xl.core.deadlines import parse_deadline
from cchc_xl.importers.appendix import ImportResult, parse_appendix_rows, split_tsv_text
from cchc_xl.core.models import AREA_NAMES, DeadlineKind, Plan, PlanInfo, RemediationItem, Status, Task, Unit
from cchc_xl.files.safeio import atomic_path
from cchc_xl.core.text import fold
from cchc_xl.core.units import DEFAULT_UNITS, UnitRegistry

SAMPLE_APPENDIX = "quang_son_2025_phan_cong.tsv"
SAMPLE_DOCX = "quang_son_2025_phan_cong.docx"
SAMPLE_INDEX_YEAR = 2023          # the sample index scores (xã Cẩm Sơn) are those of 2023
SAMPLE_SEED = "quang-son-2025"

SAMPLE_EMAILS: dict[str, str] = {
    "VP": "vanphong.quangson@example.gov.vn",
    "VHXH": "vhxh.quangson@example.gov.vn",
    "KT": "kinhte.quangson@example.gov.vn",
    "PVHCC": "pvhcc.quangson@example.gov.vn",
}
SAMPLE_HEADS: dict[str, str] = {
    "VP": "Nguyễn Văn Hùng",
    "VHXH": "Trần Thị Thu Hà",
    "KT": "Lê Minh Tuấn",
    "PVHCC": "Phạm Thị Lan",
}


def sample_info() -> PlanInfo:
    return PlanInfo(commune="xã Quảng Sơn", province="tỉnh Lâm Đồng", year=2025,
                    plan_number="149/KH-UBND", plan_date=dt.date(2025, 7, 30))


def sample_units() -> list[Unit]:
    """DEFAULT_UNITS with made-up e-mails and heads (groups get none)."""
    return [u.model_copy(update={"email": SAMPLE_EMAILS.get(u.code, ""), "head": SAMPLE_HEADS.get(u.code, "")})
            for u in DEFAULT_UNITS]


def sample_appendix_text() -> str:
    """The packaged appendix (tab-separated, transcribed verbatim from the plan)."""
    return (resources.files("cchc_xl") / "data" / SAMPLE_APPENDIX).read_text(encoding="utf-8")


def sample_import() -> ImportResult:
    """The packaged appendix through the importer (tasks + findings)."""
    rows, numbers = split_tsv_text(sample_appendix_text())
    return parse_appendix_rows(rows, year=2025, registry=UnitRegistry(sample_units()),
                               file=SAMPLE_APPENDIX, row_numbers=numbers, line_cells=True)


def sample_plan() -> Plan:
    """The sample plan: info, units with e-mails, the 52 tasks, index + remediation if available."""
    plan = Plan(info=sample_info(), units=sample_units(), tasks=sample_import().tasks)
    try:
        from cchc_xl.importers.index import sample_index
    except ImportError:
        return plan
    areas, criteria, remediation = sample_index()
    plan.index_areas, plan.index_criteria, plan.remediation = list(areas), list(criteria), list(remediation)
    if areas:
        plan.info.index_year = SAMPLE_INDEX_YEAR
    return plan


# ---------------------------------------------------------------- simulated tracking

_LATE_NOTES = (
    "Đang chờ ý kiến thẩm định của cấp trên",
    "Chưa bố trí được kinh phí, đang đề xuất điều chỉnh",
    "Cán bộ phụ trách thay đổi, đang bàn giao",
    "Đang hoàn thiện hồ sơ theo góp ý",
)
_WAITING_NOTE = "Chưa có văn bản hướng dẫn/kế hoạch của cấp trên"


def sample_progress(plan: Plan, as_of: dt.date, *, seed: str = SAMPLE_SEED) -> Plan:
    """A copy of ``plan`` with realistic tracking as of ``as_of``.

    Deterministic: each task's fate (on time, late, stuck) depends only on
    ``seed`` and its id, so later dates extend earlier ones consistently.
    """
    out = plan.model_copy(deep=True)
    year = plan.info.year
    out.tasks = [t.model_copy(update=_simulate(t.id, t.deadline_text, t.due, t.product, t.lead_units,
                                               year, as_of, seed)) for t in out.tasks]
    out.remediation = [_simulate_remediation(r, year, as_of, seed) for r in out.remediation]
    return out


def _simulate_remediation(item: RemediationItem, year: int, as_of: dt.date, seed: str) -> RemediationItem:
    deadline = parse_deadline(item.deadline_text, year)
    update = _simulate(item.id, item.deadline_text, deadline.due, item.solution, [], year, as_of, seed)
    return item.model_copy(update=update)


def _outcome(key: str, kind: DeadlineKind, due: dt.date | None, year: int,
             seed: str) -> tuple[random.Random, dt.date, dt.date | None]:
    """(rng, start date, finish date or None = not finished this year)."""
    r = random.Random(f"{seed}:{key}")
    roll = r.random()
    if kind == DeadlineKind.RECURRING:
        start = dt.date(year, 1, 2)
        return r, start, dt.date(year, 12, r.randint(5, 20)) if roll < 0.85 else None
    if due is None:  # conditional: waits for a document from above
        start = dt.date(year, r.randint(3, 9), r.randint(1, 28))
        return r, start, start + dt.timedelta(days=r.randint(45, 110)) if roll < 0.4 else None
    start = due - dt.timedelta(days=r.randint(30, 150))
    if roll < 0.7:
        finish = due - dt.timedelta(days=r.randint(0, 20))
    elif roll < 0.85:
        finish = due + dt.timedelta(days=r.randint(7, 40))      # late
    else:
        finish = None                                           # stuck
    return r, start, max(finish, start + dt.timedelta(days=3)) if finish else None


def _simulate(key: str, deadline_text: str, due: dt.date | None, product: str, units: list[str],
              year: int, as_of: dt.date, seed: str) -> dict[str, object]:
    kind = parse_deadline(deadline_text, year).kind
    r, start, finish = _outcome(key, kind, due, year, seed)
    if finish is not None and finish <= as_of:
        late = due is not None and finish > due and kind != DeadlineKind.RECURRING
        return {"status": Status.DONE, "progress": 100.0, "completed_on": finish,
                "evidence": _evidence(product, finish, units, r),
                "note": "Hoàn thành chậm so với kế hoạch" if late else ""}
    if as_of < start:
        note = _WAITING_NOTE if due is None and kind != DeadlineKind.RECURRING else ""
        return {"status": Status.NOT_STARTED, "progress": 0.0, "completed_on": None, "evidence": "",
                "note": note}
    target = finish or due or (as_of + dt.timedelta(days=90))
    span = max((target - start).days, 1)
    share = round(100 * (as_of - start).days / span / 5) * 5
    overdue = due is not None and due < as_of and kind != DeadlineKind.RECURRING
    progress = float(min(max(share, 10), 60 if overdue else 90))
    status = Status.ONGOING if kind == DeadlineKind.RECURRING else Status.IN_PROGRESS
    return {"status": status, "progress": progress, "completed_on": None, "evidence": "",
            "note": r.choice(_LATE_NOTES) if overdue else ""}


def _doc_date(d: dt.date) -> str:
    """Date as on administrative documents: day < 10 and months 1, 2 get a leading zero."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{d.day:02d}/{month}/{d.year}"


def _evidence(product: str, when: dt.date, units: list[str], r: random.Random) -> str:
    k = fold(product)
    number = when.timetuple().tm_yday + r.randint(5, 40)   # document numbers grow through the year
    date = _doc_date(when)
    for prefix, doc, code in (("ke hoach", "Kế hoạch", "KH-UBND"), ("quyet dinh", "Quyết định", "QĐ-UBND"),
                              ("quy che", "Quyết định", "QĐ-UBND"), ("bao cao", "Báo cáo", "BC-UBND"),
                              ("to trinh", "Tờ trình", "TTr-UBND"), ("ho so trinh", "Tờ trình", "TTr-UBND")):
        if k.startswith(prefix):
            return f"{doc} số {number}/{code} ngày {date}"
    unit = units[0] if len(units) == 1 else "VP"
    return f"Công văn số {number}/UBND-{unit} ngày {date}"


# ---------------------------------------------------------------- Word output

_COL_WIDTHS_CM = (1.1, 7.4, 5.0, 3.4, 3.3, 3.3, 3.2)
_COL_HEADERS = ("TT", "Nhiệm vụ", "Sản phẩm", "Thời gian hoàn thành", "Chủ trì thực hiện",
                "Phối hợp thực hiện", "Theo dõi, kiểm tra, đôn đốc")
_FONT = "Times New Roman"


def _group_key(task: Task) -> tuple[str, str]:
    return task.section, re.sub(r"[a-z]+$", "", task.id)


def _groups(tasks: list[Task]) -> list[list[Task]]:
    groups: list[list[Task]] = []
    for t in tasks:
        if groups and _group_key(groups[-1][-1]) == _group_key(t):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def write_appendix_docx(tasks: list[Task], path: str | Path, *, title: str, subtitle: str = "",
                        section_names: dict[str, str] | None = None) -> Path:
    """Write the appendix as a Word table (A4 landscape, Times New Roman).

    The TT and "Nhiệm vụ" cells of a task with several products are merged
    vertically; equal neighbouring cells of the other columns too.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    _set_fonts(doc, Pt(12))
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(2.0)
    doc.core_properties.title = title
    doc.core_properties.language = "vi-VN"
    for text, bold, italic in ((title, True, False), (subtitle, False, True)):
        if text:
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = para.add_run(text)
            run.bold, run.italic = bold, italic
            run.font.size = Pt(14 if bold else 13)
    table = doc.add_table(rows=0, cols=len(_COL_HEADERS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.add_row()
    _mark_header(header)
    for cell, text in zip(header.cells, _COL_HEADERS):
        _write(cell, text, bold=True, center=True)
    names = section_names or {}
    current = None
    for group in _groups(tasks):
        first = group[0]
        if first.section != current:
            current = first.section
            row = table.add_row()
            _write(row.cells[0], current, bold=True, center=True)
            merged = row.cells[1].merge(row.cells[-1])
            _write(merged, names.get(current) or AREA_NAMES[first.area], bold=True)
        _write_group(table, group)
    for i, width in enumerate(_COL_WIDTHS_CM):
        table.columns[i].width = Cm(width)          # the grid (LibreOffice reads this)
        for cell in table.columns[i].cells:         # the cells (Word reads these)
            cell.width = Cm(width)
    target = Path(path)
    with atomic_path(target) as tmp:
        doc.save(str(tmp))
    return target


def _write_group(table, group: list[Task]) -> None:
    rows = []
    for t in group:
        row = table.add_row()
        head = t is group[0]
        values = (t.tt if head else "", t.title if head else "", t.product, t.deadline_text, t.lead,
                  t.partners, t.monitor)
        for col, (cell, text) in enumerate(zip(row.cells, values)):
            _write(cell, text, center=col == 0)
        rows.append(row)
    if len(rows) > 1:
        for col in (0, 1):
            rows[0].cells[col].merge(rows[-1].cells[col])
    for col, name in enumerate(("deadline_text", "lead", "partners", "monitor"), start=3):
        run_start = 0
        for i in range(1, len(group) + 1):
            value = getattr(group[run_start], name)
            if i < len(group) and value and getattr(group[i], name) == value:
                continue
            if i - 1 > run_start:               # equal neighbours: one merged cell, text kept once
                for j in range(run_start + 1, i):
                    _write(rows[j].cells[col], "")
                rows[run_start].cells[col].merge(rows[i - 1].cells[col])
            run_start = i


def _write(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    para = cell.paragraphs[0]
    for run in list(para.runs):
        run._r.getparent().remove(run._r)
    if text:
        run = para.add_run(text)
        run.bold = bold
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _mark_header(row) -> None:
    """Repeat the header row on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _set_fonts(doc, size) -> None:
    from docx.oxml.ns import qn

    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = _FONT
        if style_name == "Normal":
            style.font.size = size
        r_fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            r_fonts.set(qn(attr), _FONT)


def sample_docx_title() -> tuple[str, str]:
    lines = [x for x in sample_appendix_text().split("\n")[:3] if x.strip()]
    return lines[0], lines[1]


def write_sample_inputs(folder: str | Path) -> list[Path]:
    """Write the sample appendix as .tsv (verbatim) and .docx into ``folder``."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    tsv = target / SAMPLE_APPENDIX
    with atomic_path(tsv) as tmp:
        tmp.write_bytes((resources.files("cchc_xl") / "data" / SAMPLE_APPENDIX).read_bytes())
    result = sample_import()
    title, subtitle = sample_docx_title()
    docx_path = write_appendix_docx(result.tasks, target / SAMPLE_DOCX, title=title, subtitle=subtitle,
                                    section_names=result.sections)
    return [tsv, docx_path]


# ---------------------------------------------------------------- "Số liệu" of the sample year
# One-stop figures per quarter (received, online, resolved, resolved late), chosen so that the
# year adds up to the figures of seed 003 (1.268 hồ sơ, 1.219 trực tuyến, 1.214 đã giải quyết).
_QUARTERS = {1: (310, 295, 288, 1), 2: (342, 330, 335, 0), 3: (355, 344, 340, 1), 4: (261, 250, 251, 1)}
_WINDOW = {"Q1": (1,), "6T": (1, 2), "Q3": (3,), "NAM": (1, 2, 3, 4)}
_IN_PROGRESS = {"Q1": 22, "6T": 19, "Q3": 15, "NAM": 28}
_CUMULATIVE = {  # disbursed, revenue (tỷ đồng), province tasks (given = done = on time)
    "Q1": (2.1, 0.92, 8), "6T": (5.4, 2.15, 17), "Q3": (8.3, 3.61, 12), "NAM": (10.55, 5.147, 36)}


def sample_indicators(kind: str) -> list[tuple[str, object]]:
    """Rows of a one-stop/budget export for the period ``kind`` (Q1, 6T, Q3, NAM), as label/value.

    The annual rows carry seed 003's own slip (1.219/1.268 written as 96,22 %) so that the
    review has something real to find.
    """
    q = [_QUARTERS[i] for i in _WINDOW[kind]]
    received, online, resolved, late = (sum(x[i] for x in q) for i in range(4))
    disbursed, revenue, province = _CUMULATIVE[kind]
    rows: list[tuple[str, object]] = [
        ("Nhiệm vụ được UBND tỉnh, Chủ tịch UBND tỉnh giao", province),
        ("Nhiệm vụ tỉnh giao đã xử lý xong", province), ("Nhiệm vụ tỉnh giao xử lý đúng hạn", province),
        ("Tổng số thủ tục hành chính", 559), ("TTHC đủ điều kiện DVCTT", 368),
        ("DVC trực tuyến toàn trình", 75), ("DVC trực tuyến một phần", 293),
        ("- Tổng số hồ sơ tiếp nhận:", received), ("+ Trực tuyến", online), ("+ Trực tiếp", received - online),
        ("Hồ sơ đã giải quyết", resolved), ("Đang giải quyết", _IN_PROGRESS[kind]),
        ("Hồ sơ giải quyết trước hạn, đúng hạn", resolved - late), ("Hồ sơ giải quyết quá hạn", late),
        ("Phản ánh, kiến nghị tiếp nhận", 0),
        ("Kế hoạch vốn đầu tư công", 12.85), ("Vốn đầu tư công đã giải ngân", disbursed),
        ("Dự toán thu ngân sách được giao", 3.046), ("Thu ngân sách thực hiện", revenue),
    ]
    if kind == "NAM":
        rows += [("Tỷ lệ trực tuyến", 96.22), ("Tỷ lệ giải ngân (%)", 82.1)]
    return rows
