"""The period's commands on real files: gui-email keeps the deadline in the register,
tien-do prints it, nhac-nho drafts/sends reminders (real aiosmtpd server on 127.0.0.1),
phan-hoi writes feedback workbooks and their mail; tong-hop records the returns."""

from __future__ import annotations

import datetime as dt
from email.parser import BytesParser
from email.policy import default as DEFAULT_POLICY
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app
from cchc_xl.core import schema as S
from cchc_xl.core.models import CchcError
from cchc_xl.roundtrip.register import read_register
from cchc_xl.core.dispatch import unit_code_from_file_name

pytest.importorskip("aiosmtpd.controller")
from period_env import PERIOD, build_template, copy_env, fill, fixture_plan, task_rows  # noqa: E402
from test_mailer import Recorder, smtp_server  # noqa: E402  (the SMTP test server of gui-email)

SENDER = "vanphong.quangson@lamdong.gov.vn"
EMAILS = {"VP": "vp.quangson@lamdong.gov.vn", "VHXH": "vhxh.quangson@lamdong.gov.vn",
          "KT": "kt.quangson@lamdong.gov.vn", "PVHCC": "pvhcc.quangson@lamdong.gov.vn"}


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def parse(path: Path):
    return BytesParser(policy=DEFAULT_POLICY).parsebytes(path.read_bytes())


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("cycle"), fixture_plan(EMAILS))


@pytest.fixture()
def env(template: Path, tmp_path: Path) -> dict[str, Path]:
    return copy_env(template, tmp_path)


def returned(src: Path, inbox: Path, progress: dict[str, object]) -> Path:
    return fill(src, inbox / src.name, {item: {"progress": v} for item, v in progress.items()})


def test_gui_email_keeps_the_deadline_and_mailing_date(env):
    res = run("gui-email", env["master"], env["phieu"], "--ky", PERIOD, "--han", "20/09/2025",
              "--nguoi-gui", SENDER)
    assert res.exit_code == 0, res.output
    subs = {s.unit: s for s in read_register(env["master"])}
    assert all(s.due == dt.date(2025, 9, 20) and s.mailed_on is None for s in subs.values())
    handler = Recorder(refuse=(EMAILS["KT"],))
    with smtp_server(handler) as srv:
        res = run("gui-email", env["master"], env["phieu"], "--ky", PERIOD, "--han", "22/09/2025", "--gui",
                  "--may-chu", "127.0.0.1", "--cong", srv.port, "--bao-mat", "none", "--nguoi-gui", SENDER)
    assert res.exit_code == 1   # KT refused by the server
    subs = {s.unit: s for s in read_register(env["master"])}
    assert {u: s.due for u, s in subs.items()} == {u: dt.date(2025, 9, 22) for u in subs}
    assert subs["KT"].mailed_on is None and subs["VP"].mailed_on == dt.date.today()


@pytest.mark.parametrize("state", ["~$So_tong_hop_CCHC.xlsx", ".~lock.So_tong_hop_CCHC.xlsx#", "read-only"])
def test_gui_email_refuses_a_master_it_cannot_record_before_any_mail(env, state):
    """The register is written after the mail: a master open in Excel/LibreOffice or read-only
    is refused first - nothing sent, no draft, the master byte for byte as it was."""
    from cchc_xl.files.safeio import file_sha256
    from cchc_xl.roundtrip.register import record_mailing

    master = env["master"]
    assert master.name == "So_tong_hop_CCHC.xlsx"
    if state == "read-only":
        master.chmod(0o444)
    else:
        (master.parent / state).write_bytes(b"")
    before = file_sha256(master)
    try:
        handler = Recorder()
        with smtp_server(handler) as srv:
            sent = run("gui-email", master, env["phieu"], "--ky", PERIOD, "--han", "22/09/2025", "--gui",
                       "--may-chu", "127.0.0.1", "--cong", srv.port, "--bao-mat", "none", "--nguoi-gui", SENDER)
        drafts = run("gui-email", master, env["phieu"], "--ky", PERIOD, "--han", "22/09/2025",
                     "--nguoi-gui", SENDER)
        for res in (sent, drafts):
            flat = " ".join(res.output.split())
            assert res.exit_code == 1 and "Traceback" not in res.output, res.output
            assert "Tình hình gửi phiếu" in flat
            assert ("chỉ đọc" in flat) if state == "read-only" else (f"'{state}'" in flat)
        assert handler.envelopes == [] and not (env["phieu"] / "thu_nhap").exists()
        with pytest.raises(CchcError):       # the register writer itself goes through the same check
            record_mailing(master, PERIOD, [("VP", "Văn phòng")], due=dt.date(2025, 9, 22), mailed=["VP"])
        assert file_sha256(master) == before
        assert not (master.parent / "sao_luu").exists()
    finally:
        master.chmod(0o644)


def _set_meta(path: Path, **values) -> None:
    wb = load_workbook(path)
    for row in wb[S.SHEET_META].iter_rows():
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(path)


def test_gui_email_sends_only_forms_the_master_issued_last(env):
    """A form superseded by a later issue, a version never issued to its unit, another commune's
    or year's form: refused with the reason, the unit not mailed, exit 1; the latest forms go."""
    from period_env import AS_OF
    from cchc_xl.roundtrip.split import split_master

    root, master = env["root"], env["master"]
    split_master(master, root / "phieu_moi", period_label=PERIOD, as_of=AS_OF)    # issued again
    old = run("gui-email", master, env["phieu"], "--ky", PERIOD, "--han", "22/09/2025", "--nguoi-gui", SENDER)
    flat = " ".join(old.output.split())
    assert old.exit_code == 1 and flat.count("đã được thay thế bằng phiếu phiên bản") == 4, old.output
    assert "(KT) đã được thay thế" in flat and not (env["phieu"] / "thu_nhap").exists()
    assert all(s.mailed_on is None for s in read_register(master))

    new = {unit_code_from_file_name(p.name): p for p in (root / "phieu_moi").glob("*.xlsx")}
    _set_meta(new["KT"], commune="xã Hòa Bình")
    _set_meta(new["VHXH"], year=2024)
    _set_meta(new["PVHCC"], master_version=7)
    handler = Recorder()
    with smtp_server(handler) as srv:
        res = run("gui-email", master, root / "phieu_moi", "--ky", PERIOD, "--han", "22/09/2025", "--gui",
                  "--may-chu", "127.0.0.1", "--cong", srv.port, "--bao-mat", "none", "--nguoi-gui", SENDER)
    flat = " ".join(res.output.split())
    assert res.exit_code == 1, res.output
    assert "Phiếu do sổ của xã Hòa Bình năm 2025 tạo, không phải sổ này" in flat and new["KT"].name in flat
    assert "năm 2024 tạo, không phải sổ này" in flat and new["VHXH"].name in flat
    assert "Phiếu phiên bản 7 của đơn vị" in flat and "không phải phiếu sổ đã phát hành" in flat
    assert [e.rcpt_tos for e in handler.envelopes] == [[EMAILS["VP"]]]
    subs = {s.unit: s for s in read_register(master)}
    assert subs["VP"].mailed_on == dt.date.today() and subs["KT"].mailed_on is None
    # nhac-nho --dinh-kem checks the forms it attaches the same way
    again = run("nhac-nho", master, "--ky", PERIOD, "--ra", root / "nhac", "--ngay", "15/09/2025",
                "--nguoi-gui", SENDER, "--dinh-kem", env["phieu"])
    assert again.exit_code == 1 and "đã được thay thế bằng phiếu phiên bản" in " ".join(again.output.split())
    assert not any(list(parse(p).iter_attachments()) for p in (root / "nhac").glob("*.eml"))


def test_gui_email_rerun_sends_only_units_not_mailed_or_named(env):
    """A rerun after a partial failure does not mail again the units the register says were
    mailed for the period (each said); --don-vi names units (code or name), --gui-lai resends."""
    master = env["master"]
    handler = Recorder(refuse=(EMAILS["KT"],))

    def send(*extra):
        with smtp_server(handler) as srv:
            return run("gui-email", master, env["phieu"], "--ky", PERIOD, "--han", "22/09/2025", "--gui",
                       "--may-chu", "127.0.0.1", "--cong", srv.port, "--bao-mat", "none", "--nguoi-gui", SENDER,
                       *extra)

    def units_sent() -> list[str]:
        got = [BytesParser(policy=DEFAULT_POLICY).parsebytes(e.content)["X-CCHC-Unit"] for e in handler.envelopes]
        handler.envelopes.clear()
        return sorted(got)

    assert send().exit_code == 1 and units_sent() == ["PVHCC", "VHXH", "VP"]
    handler.refuse.clear()
    again = send()
    flat = " ".join(again.output.split())
    assert again.exit_code == 0, again.output
    assert units_sent() == ["KT"]
    assert all(f"({code}) đã được gửi thư kỳ {PERIOD} ngày" in flat for code in ("VP", "VHXH", "PVHCC"))
    assert "--gui-lai" in flat
    nothing = send()
    assert nothing.exit_code == 0 and units_sent() == [] and "Không có thư nào cần gửi" in nothing.output
    named = send("--don-vi", "VP", "--don-vi", "Phòng Kinh tế")      # by code and by name: both mailed already
    assert named.exit_code == 0 and units_sent() == []
    flat = " ".join(named.output.split())
    assert "(VP) đã được gửi thư" in flat and "(KT) đã được gửi thư" in flat and "(VHXH)" not in flat
    assert "Không xác định được đơn vị" not in flat    # the other units' forms are left aside
    resent = send("--don-vi", "vp", "--don-vi", "Phòng Kinh tế", "--gui-lai")
    assert resent.exit_code == 0, resent.output
    assert units_sent() == ["KT", "VP"]
    unknown = send("--don-vi", "Phòng Không Có")
    assert unknown.exit_code == 1 and "Phòng Không Có" in unknown.output and units_sent() == []


def test_tong_hop_records_returns_and_tien_do_prints_them(env):
    returned(env["VHXH"], env["inbox"], {"III-01": 40, "III-03": 150})
    res = run("tong-hop", env["master"], env["inbox"], "--ngay", "14/09/2025")
    assert res.exit_code == 1   # a refused cell
    subs = {s.unit: s for s in read_register(env["master"])}
    assert subs["VHXH"].refused_cells == 1 and subs["VHXH"].received_on == dt.date.today()
    res = run("tien-do", env["master"], "--ngay", "14/09/2025")
    assert res.exit_code == 0, res.output
    flat = "".join(res.output.split())   # the table wraps in a narrow terminal
    assert "TìnhhìnhgửiphiếukỳQuýIII/2025" in flat
    assert "Đãgửivề1/4(25,00%)" in flat and "cóô/tệpbịtừchối1(1ô)" in flat
    returned(env["KT"], env["inbox"], {})
    dry = run("tong-hop", env["master"], env["inbox"], "--thu")   # a dry run records nothing
    assert dry.exit_code == 0 and read_register(env["master"]) == list(subs.values())


def test_nhac_nho_drafts_name_deadline_and_refused_cells(env):
    run("gui-email", env["master"], env["phieu"], "--ky", PERIOD, "--han", "16/09/2025", "--nguoi-gui", SENDER)
    returned(env["VHXH"], env["inbox"], {"III-03": 150})
    returned(env["VP"], env["inbox"], {})
    assert run("tong-hop", env["master"], env["inbox"], "--ngay", "14/09/2025").exit_code == 1
    out = env["root"] / "nhac"
    res = run("nhac-nho", env["master"], "--ky", "q3-2025", "--ra", out, "--ngay", "15/09/2025",
              "--nguoi-gui", SENDER)
    assert res.exit_code == 0, res.output
    drafts = {parse(p)["X-CCHC-Unit"]: parse(p) for p in sorted(out.glob("*.eml"))}
    assert set(drafts) == {"VHXH", "KT", "PVHCC"}            # VP returned a clean file
    vhxh = body(drafts["VHXH"])
    assert "Kính gửi: Phòng Văn hóa - Xã hội" in vhxh and "Trân trọng./." in vhxh
    assert "III-03" in vhxh and "Tiến độ" in vhxh and "ô " in vhxh   # each refused cell, with its reason
    kt = body(drafts["KT"])
    assert "trước ngày 16/09/2025" in kt and "chưa nhận được phiếu" in kt
    assert drafts["KT"]["To"].addresses[0].addr_spec == EMAILS["KT"]
    assert not list(drafts["KT"].iter_attachments())
    # --dinh-kem: the units that have not returned get their workbook again; refused ones do not
    again = run("nhac-nho", env["master"], "--ky", PERIOD, "--ra", env["root"] / "nhac_kem", "--ngay", "15/09/2025",
                "--nguoi-gui", SENDER, "--dinh-kem", env["phieu"])
    assert again.exit_code == 0, again.output
    kept = {parse(p)["X-CCHC-Unit"]: parse(p) for p in (env["root"] / "nhac_kem").glob("*.eml")}
    assert [a.get_filename() for a in kept["KT"].iter_attachments()] == [env["KT"].name]
    assert "gửi kèm lại" in body(kept["KT"])
    assert not list(kept["VHXH"].iter_attachments())
    # after the deadline the same unit gets the overdue wording
    late = run("nhac-nho", env["master"], "--ky", PERIOD, "--ra", env["root"] / "nhac2", "--ngay", "18/09/2025",
               "--nguoi-gui", SENDER)
    assert late.exit_code == 0
    kt = next(parse(p) for p in (env["root"] / "nhac2").glob("*KT*.eml"))
    assert "quá hạn" in kt["Subject"] and "Hạn gửi lại phiếu là ngày 16/09/2025" in body(kt)


def test_nhac_nho_says_each_form_it_could_not_attach(env):
    """--dinh-kem: forms of another period, a unit's form missing, a unit's two copies - each
    said (the file, then the unit whose reminder goes without its form), never dropped silently."""
    import shutil

    from period_env import AS_OF
    from cchc_xl.roundtrip.split import split_master

    root = env["root"]
    other = root / "M6.xlsx"
    shutil.copy(env["master"], other)
    split_master(other, root / "phieu_6thang", period_label="6 tháng/2025", as_of=AS_OF)
    wrong = run("nhac-nho", env["master"], "--ky", PERIOD, "--ra", root / "n1", "--ngay", "15/09/2025",
                "--nguoi-gui", SENDER, "--dinh-kem", root / "phieu_6thang")
    flat = " ".join(wrong.output.split())
    assert wrong.exit_code == 1, wrong.output
    assert flat.count("Tệp là phiếu kỳ '6 tháng/2025'") == 4
    for code in EMAILS:
        assert f"({code}): thư mục" in flat
    assert flat.count("thư nhắc không kèm được phiếu") == 4 and "thư nhắc vẫn được tạo" in flat
    drafts = [parse(p) for p in (root / "n1").glob("*.eml")]
    assert len(drafts) == 4 and not any(list(d.iter_attachments()) for d in drafts)
    assert not any("gửi kèm lại" in body(d) for d in drafts)   # no letter promises a form it lacks

    dk = root / "dk"
    shutil.copytree(env["phieu"], dk)
    (dk / env["KT"].name).unlink()
    shutil.copy(dk / env["VHXH"].name, dk / (env["VHXH"].stem + " - Copy.xlsx"))
    handler = Recorder()
    with smtp_server(handler) as srv:
        some = run("nhac-nho", env["master"], "--ky", PERIOD, "--gui", "--may-chu", "127.0.0.1", "--cong", srv.port,
                   "--bao-mat", "none", "--nguoi-gui", SENDER, "--dinh-kem", dk, "--ngay", "15/09/2025")
    flat = " ".join(some.output.split())
    assert some.exit_code == 1 and "có 2 tệp phiếu" in flat, some.output     # the copy: an error, as gui-email
    assert "(VHXH): thư mục" in flat and "có nhiều phiếu của đơn vị" in flat
    assert "(KT): thư mục" in flat and "không có phiếu nào của đơn vị" in flat and "thư nhắc vẫn được gửi" in flat
    assert "(VP): thư mục" not in flat and "(PVHCC): thư mục" not in flat
    sent = {BytesParser(policy=DEFAULT_POLICY).parsebytes(e.content)["X-CCHC-Unit"]:
            BytesParser(policy=DEFAULT_POLICY).parsebytes(e.content) for e in handler.envelopes}
    assert {u: [a.get_filename() for a in m.iter_attachments()] for u, m in sent.items()} == {
        "VP": [env["VP"].name], "VHXH": [], "KT": [], "PVHCC": [env["PVHCC"].name]}


def test_nhac_nho_sends_through_smtp(env):
    handler = Recorder()
    with smtp_server(handler) as srv:
        res = run("nhac-nho", env["master"], "--ky", PERIOD, "--gui", "--may-chu", "127.0.0.1", "--cong",
                  srv.port, "--bao-mat", "none", "--nguoi-gui", SENDER)
    assert res.exit_code == 0, res.output
    assert sorted(e.rcpt_tos[0] for e in handler.envelopes) == sorted(EMAILS.values())
    msg = BytesParser(policy=DEFAULT_POLICY).parsebytes(handler.envelopes[0].content)
    assert msg["Subject"].startswith("[CCHC] Nhắc gửi phiếu CCHC kỳ Quý III/2025")
    assert not (env["master"].parent / "thu_nhac_nho").exists()


def test_nhac_nho_nothing_to_do_and_bad_input(env):
    bad = run("nhac-nho", env["master"], "--ky", "Quý I/2025", "--nguoi-gui", SENDER)
    assert bad.exit_code == 1 and "chưacóphiếunàocủakỳQuýI/2025" in "".join(bad.output.split())
    assert "Traceback" not in bad.output
    assert run("nhac-nho", env["master"], "--ky", "Quý 9/2025").exit_code != 0
    for code in ("VP", "VHXH", "KT", "PVHCC"):
        returned(env[code], env["inbox"], {})
    run("tong-hop", env["master"], env["inbox"])
    res = run("nhac-nho", env["master"], "--ky", PERIOD, "--nguoi-gui", SENDER)
    assert res.exit_code == 0 and "Khôngcóđơnvịnàocầnnhắc" in "".join(res.output.split())


def test_phan_hoi_command_writes_feedback_and_drafts(env):
    returned(env["VHXH"], env["inbox"], {"III-01": 40, "III-03": 150})
    returned(env["VP"], env["inbox"], {})
    run("tong-hop", env["master"], env["inbox"], "--ngay", "14/09/2025")
    out = env["root"] / "phan_hoi"
    res = run("phan-hoi", env["master"], env["inbox"], "--ky", PERIOD, "--ra", out, "--ngay", "14/09/2025",
              "--han", "25/09/2025", "--nguoi-gui", SENDER)
    assert res.exit_code == 0, res.output
    books = sorted(out.glob("*.xlsx"))
    assert [unit_code_from_file_name(b.name) for b in books] == ["VHXH"]
    assert load_workbook(books[0]).sheetnames[0] == S.SHEET_FEEDBACK
    (draft,) = sorted((out / "thu_nhap").glob("*.eml"))
    msg = parse(draft)
    assert msg["X-CCHC-Unit"] == "VHXH" and "trước ngày 25/09/2025" in body(msg)
    assert "III-03" in body(msg) and "đã gửi '150'" in body(msg)
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == books[0].name
    # corrected and returned: consolidated, nothing left to send back
    wb = load_workbook(books[0])
    ws = wb[S.SHEET_TASKS]
    rows = task_rows(ws)
    ws.cell(rows["III-03"], S.col_index(S.TASK_COLUMNS, "progress"), value=80)
    wb.save(env["inbox"] / books[0].name)
    assert run("tong-hop", env["master"], env["inbox"], "--ngay", "14/09/2025").exit_code == 0
    again = run("phan-hoi", env["master"], env["inbox"], "--ky", PERIOD, "--ra", env["root"] / "ph2",
                "--ngay", "14/09/2025")
    assert again.exit_code == 0 and "Khôngcóđơnvịnàocầnphảnhồi" in "".join(again.output.split())
    missing = run("phan-hoi", env["master"], env["root"] / "khong_co", "--ky", PERIOD)
    assert missing.exit_code == 1 and "khôngtìmthấythưmục" in "".join(missing.output.split())


@pytest.mark.parametrize("han, said", [("10/09/2024", True), ("14/06/2025", True), ("20/09/2025", False)],
                         ids=["year-typed-wrong", "before-the-period", "after-the-cut-off"])
def test_gui_email_says_a_deadline_before_the_period(env, han, said):
    """A deadline before the period even starts (a year typed wrong) makes every unit overdue at
    once: said before the drafts go out, not found when the reminders come."""
    res = run("gui-email", env["master"], env["phieu"], "--ky", PERIOD, "--han", han, "--nguoi-gui", SENDER)
    out = " ".join(res.output.split())
    assert res.exit_code == 0, out
    assert ("ở trước cả kỳ" in out) == said
