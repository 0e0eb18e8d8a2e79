"""The findings vocabulary: stable codes, one template each, filled the same way everywhere."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from cchc_xl.core import findings as F
from cchc_xl.core.findings import base, catalog as C
from cchc_xl.core.findings.listing import catalogue_markdown
from cchc_xl.core.models import CchcError


def test_every_type_is_declared_once_with_a_vietnamese_title():
    cat = F.catalogue()
    assert cat, "catalogue is empty"
    for code, t in cat.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code), code
        assert t.severity in ("error", "warning", "info")
        assert t.title and t.template
    with pytest.raises(ValueError):
        F.FindingType("bad_file", "error", "x", "y")


def test_finding_is_filled_and_located():
    f = C.NOT_A_NUMBER(column="Tiến độ", value="tám mươi", file="phieu.xlsx", sheet="Phân công", cell="H7")
    assert f.code == "not_a_number" and f.severity == "error"
    assert str(f) == "Lỗi: Tiến độ: 'tám mươi' không phải là số (tệp phieu.xlsx, trang 'Phân công', ô H7)"


def test_missing_parameter_is_a_programming_error():
    with pytest.raises(KeyError):
        C.NOT_A_NUMBER(column="Tiến độ", file="a.xlsx")


def test_error_carries_the_finding():
    err = C.NOT_A_NUMBER.error(column="x", value="y", file="a.xlsx")
    assert isinstance(err, CchcError) and err.finding.code == "not_a_number"


def test_parameters_are_written_as_officials_read_them():
    t = F.FindingType("test_param_format", "info", "thử", "{a} | {b} | {c}")
    try:
        assert t.message(a=0.5, b=dt.date(2025, 9, 14), c=2) == "0,5 | 14/09/2025 | 2"
    finally:
        base._CATALOGUE.pop(t.code)      # keep the catalogue (and docs/THONG_BAO.md) to declared types


# ---------------------------------------------------------------- converted modules use only declared types

ROOT = Path(__file__).resolve().parents[1]
# Modules whose messages all come from the catalogue.  Extend this list when converting another module.
CONVERTED_MODULES = (
    "cchc_xl/core/validate.py", "cchc_xl/core/records.py", "cchc_xl/core/periods.py",
    "cchc_xl/core/models.py", "cchc_xl/core/intake.py", "cchc_xl/importers/appendix/__init__.py",
    "cchc_xl/importers/appendix/table.py", "cchc_xl/importers/appendix/parse.py",
    "cchc_xl/importers/appendix/plan_info.py", "cchc_xl/importers/appendix/readers.py",
    "cchc_xl/files/excel.py", "cchc_xl/files/safeio.py", "cchc_xl/report/pdf.py", "cchc_xl/xl/book_io.py",
    "cchc_xl/xl/udfs.py", "cchc_xl/roundtrip/folders.py", "cchc_xl/cli/common.py", "cchc_xl/cli/plan.py",
    "cchc_xl/demo.py",
    "cchc_xl/roundtrip/consolidate/check.py", "cchc_xl/roundtrip/consolidate/merge.py",
    "cchc_xl/roundtrip/consolidate/state.py", "cchc_xl/roundtrip/consolidate/write.py",
    "cchc_xl/roundtrip/consolidate/read.py", "cchc_xl/roundtrip/consolidate/audit.py",
    "cchc_xl/roundtrip/consolidate/plan.py", "cchc_xl/roundtrip/split.py", "cchc_xl/workbook/unitbook.py",
    "cchc_xl/workbook/returned.py", "cchc_xl/core/dispatch.py", "cchc_xl/core/tracking.py",
    "cchc_xl/core/fingerprint.py",
    "cchc_xl/xl/buttons.py", "cchc_xl/mail/mailer.py", "cchc_xl/mail/compose.py",
    "cchc_xl/mail/attachments.py", "cchc_xl/mail/smtp.py",
    "cchc_xl/roundtrip/register.py", "cchc_xl/workbook/periodbook.py",
    "cchc_xl/importers/index.py", "cchc_xl/report/word.py", "cchc_xl/ingest/index_docs.py",
)


def _name(node: ast.AST) -> str:
    return getattr(node, "id", "") or getattr(node, "attr", "")


def _is_text(node: ast.AST) -> bool:
    """A message written in the code: a string, an f-string, or text joined with ``+`` / ``%``."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def vocabulary_problems(source: str, where: str) -> list[str]:
    """Inline message text or undeclared codes in ``source`` (one line per problem)."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            message = [kw.value for kw in node.keywords if kw.arg == "message"] + node.args[:1]
            if called in ("Finding", "CchcError") and any(map(_is_text, message)):
                problems.append(f"{where}:{node.lineno}: {called}(...) with inline text - use catalog.X(...)")
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    if kw.value.value not in F.catalogue():
                        problems.append(f"{where}:{node.lineno}: code={kw.value.value!r} is not declared")
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "catalog"
                and not isinstance(getattr(C, node.attr, None), F.FindingType)):
            problems.append(f"{where}:{node.lineno}: catalog.{node.attr} is not a declared type")
        if isinstance(node, ast.Assign) and any("CODES" in _name(t) for t in node.targets):
            for c in ast.walk(node.value):
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value not in F.catalogue():
                    problems.append(f"{where}:{node.lineno}: code {c.value!r} listed but not declared")
        if isinstance(node, ast.Compare) and _name(node.left) == "code":
            for c in (x for comp in node.comparators for x in ast.walk(comp)):
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value not in F.catalogue():
                    problems.append(f"{where}:{node.lineno}: code {c.value!r} compared but not declared")
    return problems


@pytest.mark.parametrize("module", CONVERTED_MODULES)
def test_converted_modules_use_only_declared_types(module):
    path = ROOT / module
    assert path.exists(), module
    assert vocabulary_problems(path.read_text(encoding="utf-8"), module) == []


@pytest.mark.parametrize("snippet", [
    'raise CchcError("Không mở được", code="bad_file")',
    'out.append(Finding(code="overdue", message="quá hạn"))',
    'x = catalog.NO_SUCH_TYPE(file="a")',
    'f(code="made_up_code")',
    'if f.code == "made_up_code": pass',
    'raise models.CchcError(f"Không thấy {p}", code="no_file")',
    'raise CchcError("Thiếu cột: " + ", ".join(cols), code="missing_columns")',
    '_ROW_CODES = {"overdue", "made_up_code"}',
    'keep = [f for f in out if f.code in ("overdue", "made_up_code")]',
    'f = Finding(severity="warning", code="no_tasks", message="Có %d lỗi" % n)',
])
def test_the_scan_catches_inline_messages_and_unknown_codes(snippet):
    assert vocabulary_problems(snippet, "x.py"), snippet


def test_the_scan_accepts_catalogue_calls():
    assert vocabulary_problems('raise catalog.BAD_FILE.error(why="x", file="a.xlsx")\n'
                               'f = catalog.OVERDUE(item="Nhiệm vụ I-01", days=3, due="01/09/2025")\n'
                               'ok = f.code == "overdue"\n'
                               'err = CchcError(self.message(**params), code=self.code)', "x.py") == []


def test_skip_codes_of_the_intake_summary_are_declared():
    from cchc_xl.core.intake import SKIP_CODES

    assert SKIP_CODES and all(code in F.catalogue() for code in SKIP_CODES)


# ---------------------------------------------------------------- the catalogue page

def test_committed_catalogue_page_is_up_to_date():
    page = catalogue_markdown()
    committed = ROOT / "docs" / "THONG_BAO.md"
    assert committed.exists() and committed.read_text(encoding="utf-8") == page, \
        "Chạy 'cchc-xl so-do' để cập nhật docs/THONG_BAO.md"


def test_catalogue_page_lists_every_type_with_its_template():
    page = catalogue_markdown()
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert len(rows) == len(F.catalogue())
    row = next(r for r in rows if r.startswith("| `overdue` |"))
    assert "| Cảnh báo |" in row and "{item}: quá hạn {days} ngày (hạn {due})" in row
    assert "`item`, `days`, `due`" in row


def test_so_do_writes_the_catalogue_page(tmp_path):
    from typer.testing import CliRunner

    from cchc_xl.cli import app

    target = tmp_path / "docs" / "THONG_BAO.md"
    result = CliRunner().invoke(app, ["so-do", "--ra", str(tmp_path / "schemas"), "--thong-bao", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == catalogue_markdown()


# ---------------------------------------------------------------- CLI and button print the same findings

FIXTURES = Path(__file__).parent / "fixtures"
CUTOFF = dt.date(2025, 9, 14)


@pytest.fixture
def bad_master(tmp_path) -> Path:
    """A master with problems of several kinds (reading, tasks, index scores)."""
    from openpyxl import load_workbook

    from cchc_xl.core import schema as S
    from cchc_xl.core.models import Plan
    from cchc_xl.workbook.master import read_master, write_master

    plan = Plan.model_validate_json((FIXTURES / "xl_plan_quang_son.json").read_text("utf-8"))
    path = write_master(plan, tmp_path / "So_tong_hop_CCHC_2025.xlsx", as_of=CUTOFF)
    rows = read_master(path).rows
    wb = load_workbook(path)
    ws = wb[S.SHEET_TASKS]
    col = lambda key: S.col_letter(S.TASK_COLUMNS, key)  # noqa: E731
    r1, r2, r3 = (rows[S.SHEET_TASKS][t] for t in ("II-08", "I-03", "III-02"))
    ws[f"{col('progress')}{r1}"] = "tám mươi"                    # unreadable number
    ws[f"{col('evidence')}{r1}"] = "-2+3+cmd|' /C calc'!A0"        # formula injection
    ws[f"{col('status')}{r2}"] = "Xong rồi đó"                   # not a status of the list
    ws[f"{col('lead')}{r3}"] = "Phòng Không Có"                  # unknown lead unit
    ws[f"{col('lead_units')}{r3}"] = None
    wb.save(path)
    return path


def _cli_rows(output: str) -> list[tuple[str, str, str]]:
    """(Mức độ, Vị trí, Nội dung) of the rich table printed by ``kiem-tra``."""
    out = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 3 and cells[0] in ("Lỗi", "Cảnh báo", "Thông tin"):
            out.append((cells[0], cells[1], cells[2]))
    return out


def test_cli_and_excel_button_print_the_same_findings(bad_master, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from cchc_xl.cli import app
    from cchc_xl.core.models import SEVERITY_LABELS
    from cchc_xl.xl import buttons
    from cchc_xl.xl.book_io import (FINDINGS_SHEET, apply_actions, book_payload_from_xlsx, enable_remote_engine,
                                    find_sheet, open_json_book, sheet_rows)

    result = CliRunner().invoke(app, ["kiem-tra", str(bad_master), "--ngay", "14/09/2025"],
                                env={"COLUMNS": "4000"})
    assert result.exit_code == 1, result.output
    cli = _cli_rows(result.output)

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "appdata"))
    monkeypatch.delenv(buttons.ENV_WORK_DIR, raising=False)
    enable_remote_engine()
    payload = book_payload_from_xlsx(bad_master)
    book = open_json_book(payload)
    button = buttons.kiem_tra(book, as_of=CUTOFF)
    assert not button.ok
    shown = [(SEVERITY_LABELS[f.severity], f.location(), f.message) for f in button.findings]

    codes = {f.code for f in button.findings}
    assert {"not_a_number", "bad_cell", "formula_injection", "unknown_lead"} <= codes, codes
    assert len(cli) == len(shown) >= 5
    assert sorted(cli) == sorted(shown)
    # the sheet "Kết quả kiểm tra" the button writes holds the same messages
    after = apply_actions(payload, book.json())
    sheet = sheet_rows(find_sheet(open_json_book(after), FINDINGS_SHEET))
    messages = [r[4] for r in sheet if r and isinstance(r[0], int)]
    assert sorted(messages) == sorted(m for _, _, m in cli)
    # every message is a filled catalogue template
    for f in button.findings:
        assert f.code in F.catalogue()


# ---------------------------------------------------------------- filled messages: no placeholder left

def _assert_filled(findings) -> None:
    for f in findings:
        t = F.get(f.code)                          # declared
        assert f.message == t.message(**_params_of(f, t)), f
        assert "{" not in f.message and "object at 0x" not in f.message, f.message


def _params_of(f, t):
    """Recover the parameters of a filled message by matching it against its template."""
    pattern = re.escape(t.template)
    for p in t.params:
        pattern = pattern.replace(re.escape("{" + p + "}"), f"(?P<{p}>.*?)", 1).replace(re.escape("{" + p + "}"),
                                                                                        f"(?P={p})")
    m = re.fullmatch(pattern, f.message, re.S)
    assert m, (f.code, f.message)
    return m.groupdict()


def test_appendix_import_findings_are_filled_templates_with_task_ids():
    from cchc_xl.importers.appendix import import_appendix

    res = import_appendix(FIXTURES / "quang_son_2025_phan_cong.tsv", year=2025)
    assert len(res.findings) > 10
    _assert_filled(res.findings)
    by_task = [f for f in res.findings if f.task_id and "task" in F.get(f.code).params]
    assert by_task and all(f.task_id in f.message for f in by_task)


def test_master_check_findings_are_filled_templates(bad_master):
    from cchc_xl.core.validate import validate_master
    from cchc_xl.workbook.master import read_master

    findings = validate_master(read_master(bad_master), CUTOFF)
    assert {f.severity for f in findings} >= {"error", "warning"}
    _assert_filled(findings)


def test_missing_inbox_is_the_same_finding_for_the_cli_and_the_button(tmp_path):
    from cchc_xl.roundtrip.folders import returned_files
    from cchc_xl.xl import buttons

    missing = tmp_path / "nhan_ve"
    errors = []
    for read in (returned_files, buttons.returned_files):
        with pytest.raises(CchcError) as e:
            read(missing)
        errors.append(e.value.finding)
    assert {f.code for f in errors} == {"no_inbox"}
    assert errors[0].message == errors[1].message == C.NO_INBOX.message(path=missing)
    assert "chép các phiếu đơn vị gửi lại" in errors[0].message


@pytest.mark.parametrize("code", [c for c, t in F.catalogue().items()
                                  if set(t.params) & {"file", "sheet", "cell", "task_id"}])
def test_templates_naming_their_location_are_filled_from_it(code):
    """A template may say '{sheet}': the finding's location then fills it (no KeyError at run time)."""
    t = F.get(code)
    where = {k: f"<{k}>" for k in ("file", "sheet", "cell", "task_id")}
    params = {p: f"<{p}>" for p in t.params if p not in where}
    f = t(**where, **params)
    err = t.error(**{k: v for k, v in where.items() if k != "task_id"}, **params)
    for p in t.params:
        if p != "task_id":
            assert f"<{p}>" in f.message and f"<{p}>" in str(err)
    assert f.sheet == "<sheet>" and err.finding.sheet == "<sheet>"


@pytest.mark.parametrize("value, text", [(1e308, "1e+308"), (float("inf"), "inf"), (-2.5e20, "-2,5e+20"),
                                         (123456.789, "123.456,79"), (1048576, "1.048.576"), (2025, "2025"),
                                         (9999.5, "9999,5"), (-12000.0, "-12.000"), (32767, "32.767")])
def test_numbers_are_written_as_vietnamese_read_them(value, text):
    assert base._text(value) == text
