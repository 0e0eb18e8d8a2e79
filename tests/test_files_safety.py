"""Files: returned packages are size-checked before decompressing; every command that writes
the master refuses cleanly (locks, read-only, disk full) and keeps what the official added.

The official's additions come from workbooks saved by real Excel (tests/fixtures/excel_saved,
see its LICENSE.txt), grafted into a master built by the tool (``excel_graft``).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cchc_xl.cli import app
from cchc_xl.core.models import CchcError, Plan
from cchc_xl.files import safeio
from cchc_xl.files.package import PackageLimits, check_package_size, package_additions
from cchc_xl.roundtrip.split import split_master
from cchc_xl.workbook.master import write_master
from cchc_xl.workbook.returned import read_unit_workbook

from excel_graft import ADDED_NAMES, defined_names, graft, grafted_parts_after

FIXTURE = Path(__file__).parent / "fixtures" / "roundtrip_plan.json"
PERIOD = "Quý III/2025"
MIB = 1 << 20
LOSSY = ["image01.xlsx", "chart_area01.xlsx", "comment01.xlsx", "textbox01.xlsx", "header_image01.xlsx",
         "fit_to_pages01.xlsx"]                            # ... and the printer settings of a sheet
KEPT_BY_ALL = ["macro01.xlsm", "simple01.xlsx"]          # VBA, extra sheets (+ defined names)


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def base_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "So_tong_hop_CCHC.xlsx"
    write_master(Plan.model_validate_json(FIXTURE.read_text(encoding="utf-8")), path, make_backup=False)
    return path


# ================================================================ zip bombs

def _zip_with(path: Path, entries: dict[str, int | bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip whose entries are given bytes, or ``n`` zero bytes streamed (never held in memory)."""
    with zipfile.ZipFile(path, "w", method) as z:
        for name, content in entries.items():
            if isinstance(content, bytes):
                z.writestr(name, content)
                continue
            with z.open(name, "w", force_zip64=True) as f:
                block = b"\0" * MIB
                left = content
                while left > 0:
                    f.write(block[:min(MIB, left)])
                    left -= MIB
    return path


def _lie_about_sizes(path: Path, declared: int) -> None:
    """Rewrite every entry's uncompressed size (local header and central directory)."""
    data = bytearray(path.read_bytes())
    i = 0
    while (i := data.find(b"PK\x03\x04", i)) >= 0:
        data[i + 22:i + 26] = declared.to_bytes(4, "little")
        i += 4
    i = 0
    while (i := data.find(b"PK\x01\x02", i)) >= 0:
        data[i + 24:i + 28] = declared.to_bytes(4, "little")
        i += 4
    path.write_bytes(bytes(data))


SMALL = PackageLimits(file_bytes=8 * MIB, entries=50, entry_bytes=2 * MIB, total_bytes=4 * MIB, ratio=50,
                      ratio_min_bytes=MIB)


@pytest.mark.parametrize("case, expected", [
    ("declared_entry", "khai báo 3,0 MB"),
    ("declared_total", "tổng cộng"),
    ("ratio", "nén"),
    ("entries", "60 thành phần"),
    ("lying_header", "giải nén ra hơn"),
    ("lying_small", "khác với"),
    ("method", "kiểu nén lạ"),
])
def test_zip_bombs_rejected_before_decompressing(tmp_path: Path, case: str, expected: str) -> None:
    p = tmp_path / f"{case}.xlsx"
    if case == "declared_entry":
        _zip_with(p, {"xl/worksheets/sheet1.xml": 3 * MIB})
    elif case == "declared_total":
        _zip_with(p, {f"xl/media/image{i}.bin": os.urandom(MIB) for i in range(5)}, method=zipfile.ZIP_STORED)
    elif case == "ratio":
        _zip_with(p, {"xl/sharedStrings.xml": int(1.5 * MIB)})
    elif case == "entries":
        _zip_with(p, {f"xl/x{i}.xml": b"<x/>" for i in range(60)})
    elif case == "lying_header":       # says 1 KB, inflates to 20 MB
        _zip_with(p, {"xl/worksheets/sheet1.xml": 20 * MIB})
        _lie_about_sizes(p, 1024)
    elif case == "lying_small":        # says 1 KB, inflates to 2,5 MB: under the entry limit, but a lie
        _zip_with(p, {"xl/worksheets/sheet1.xml": int(2.5 * MIB)})
        _lie_about_sizes(p, 1024)
        with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as z:   # an honest entry makes it measure
            z.writestr("xl/sharedStrings.xml", b"\0" * int(2.5 * MIB))
    else:
        with zipfile.ZipFile(p, "w", zipfile.ZIP_BZIP2) as z:
            z.writestr("xl/workbook.xml", b"<w/>" * 10)
    limits = SMALL if case != "lying_small" else PackageLimits(
        file_bytes=8 * MIB, entries=50, entry_bytes=3 * MIB, total_bytes=4 * MIB, ratio=5000, ratio_min_bytes=MIB)
    with pytest.raises(CchcError) as exc:
        check_package_size(p, limits=limits)
    f = exc.value.finding
    assert f.code == "zip_bomb" and f.file == p.name
    assert expected in f.message and "bom nén" in f.message, f.message


def test_real_workbooks_pass_without_decompressing(base_master: Path, tmp_path: Path) -> None:
    files = split_master(_copy(base_master, tmp_path), tmp_path / "phieu", period_label=PERIOD)
    for f in [*files, *sorted((Path(__file__).parent / "fixtures" / "excel_saved").glob("*.xls?"))]:
        size = check_package_size(f)
        assert size.entries > 5 and size.verified == 0, f.name
    assert check_package_size(b"not a zip", name="x.xlsx").entries == 0   # the reader reports it


def test_bomb_check_memory_stays_bounded(tmp_path: Path) -> None:
    """200 MB of zeros behind a lying 1 KB header: measured in chunks, stopped at the limit."""
    p = _zip_with(tmp_path / "bom.xlsx", {"xl/worksheets/sheet1.xml": 200 * MIB})
    _lie_about_sizes(p, 1024)
    tracemalloc.start()
    try:
        with pytest.raises(CchcError, match="giải nén ra hơn"):
            check_package_size(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB, peak


def test_bomb_in_the_inbox_rejected_others_still_apply(base_master: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook as load

    from cchc_xl.core import schema as S
    from cchc_xl.roundtrip.consolidate import consolidate

    master = _copy(base_master, tmp_path)
    files = split_master(master, tmp_path / "phieu", period_label=PERIOD)
    inbox = tmp_path / "nhan_ve"
    inbox.mkdir()
    good = files[0]
    wb = load(good)
    ws = wb[S.SHEET_TASKS]
    ws.cell(S.FIRST_DATA_ROW, S.col_index(S.TASK_COLUMNS, "progress"), value=30)
    wb.save(inbox / good.name)
    bomb = _zip_with(inbox / files[1].name, {"[Content_Types].xml": b"<Types/>",
                                             "xl/worksheets/sheet1.xml": 300 * MIB})
    with pytest.raises(CchcError, match="bom nén"):
        read_unit_workbook(bomb)
    result = consolidate(master, inbox)
    by_file = {f.file: f for f in result.plan.files}
    assert by_file[bomb.name].status == "Từ chối"
    assert "bom nén" in " ".join(r.reason for r in result.plan.rejections if r.file == bomb.name)
    assert by_file[good.name].status == "Đã tổng hợp" and result.written
    assert run("tong-hop", master, inbox).exit_code == 1     # a rejected file: exit code 1


# ================================================================ writing guard

def _copy(src: Path, folder: Path, name: str = "So_tong_hop_CCHC.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / name
    shutil.copy2(src, dst)
    return dst


def _returned(master: Path, out: Path) -> Path:
    """Split ``master``, fill one unit's workbook (a changed progress), put it in ``out``."""
    from cchc_xl.core import schema as S

    files = split_master(master, out.parent / "phieu_tam", period_label=PERIOD)
    wb = load_workbook(files[0])
    wb[S.SHEET_TASKS].cell(S.FIRST_DATA_ROW, S.col_index(S.TASK_COLUMNS, "progress"), value=30)
    out.mkdir(parents=True, exist_ok=True)
    wb.save(out / files[0].name)
    shutil.rmtree(out.parent / "phieu_tam")
    shutil.rmtree(master.parent / "sao_luu", ignore_errors=True)
    return out


@pytest.fixture(scope="module")
def split_base(base_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master that has issued unit workbooks, and its inbox ("nhan_ve") with one return."""
    root = tmp_path_factory.mktemp("split")
    master = _copy(base_master, root / "so")
    _returned(master, root / "nhan_ve")
    return master


COMMANDS = {
    "tong-hop": lambda m: ("tong-hop", m, m.parent.parent / "nhan_ve"),
    "khoi-tao": lambda m: ("khoi-tao", "--mau", "--ra", m, "--ghi-de"),
    "tao-phieu": lambda m: ("tao-phieu", m, "--ky", PERIOD, "--ra", m.parent.parent / "phieu_ra"),
    "bao-cao": lambda m: ("bao-cao", m, "--ky", PERIOD, "--word", m.parent.parent / "bc.docx"),
}


def _condition(cond: str, master: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Put the master's folder in trouble; returns a word the message must contain."""
    if cond == "excel_lock":
        master.with_name("~$" + master.name).write_bytes(b"\x00" * 165)
        return "Excel"
    if cond == "libreoffice_lock":
        master.with_name(f".~lock.{master.name}#").write_text("Can Bo,may01,may01,26.11.2026 09:00,;")
        return "LibreOffice"
    if cond == "read_only_file":
        master.chmod(0o444)
        return "chỉ đọc"
    if cond == "read_only_folder":
        master.parent.chmod(0o555)
        return "không có quyền ghi"
    if cond == "no_room":
        real = shutil.disk_usage
        monkeypatch.setattr(safeio.shutil, "disk_usage",
                            lambda p: real(p)._replace(free=int(1.5 * master.stat().st_size)))
        return "không đủ chỗ trống"
    if cond == "enospc_mid_write":          # the disk fills up while the new file is written
        real_write = zipfile.ZipFile.writestr
        calls = {"n": 0}

        def full(self, *a, **k):
            calls["n"] += 1
            if calls["n"] > 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(self, *a, **k)

        monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
        return "Ổ đĩa đầy"
    if cond == "enospc_backup":             # the backup copy itself fills the disk half way
        real_copy = shutil.copyfileobj

        def half(fsrc, fdst, length=0):
            fdst.write(fsrc.read(1000))
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(shutil, "copyfileobj", half)
        monkeypatch.setattr(shutil, "_fastcopy_sendfile", lambda *a: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")), raising=False)
        assert real_copy
        return "Ổ đĩa đầy"
    raise AssertionError(cond)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("cond", ["excel_lock", "libreoffice_lock", "read_only_file", "read_only_folder",
                                  "no_room", "enospc_mid_write", "enospc_backup"])
def test_every_writing_command_refuses_cleanly(base_master: Path, split_base: Path, tmp_path: Path, command: str,
                                               cond: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "so"
    if command == "tong-hop":
        master = _copy(split_base, folder)
        shutil.copytree(split_base.parent.parent / "nhan_ve", tmp_path / "nhan_ve")
    else:
        master = _copy(base_master, folder)
    (folder / "sao_luu").mkdir()
    before_sha = sha(master)
    word = _condition(cond, master, monkeypatch)
    before = listing(folder)
    try:
        res = run(*COMMANDS[command](master))
    finally:
        folder.chmod(0o755)
        master.chmod(0o644)
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and word in res.output, res.output
    assert master.name in res.output.replace("\n", "")
    assert sha(master) == before_sha                        # untouched
    assert listing(folder) == before                        # no backup, no temp file left


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="cần quyền root để gắn tmpfs")
@pytest.mark.parametrize("room", [1.3, 2.2])
def test_real_full_disk_on_a_tiny_tmpfs(base_master: Path, tmp_path: Path, room: float,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A real full disk (tmpfs just bigger than the master): the check says so before writing;
    and when the check is fooled, the write itself fails cleanly."""
    mnt = tmp_path / "nho"
    mnt.mkdir()
    size = base_master.stat().st_size
    kb = int(size * room / 1024) + 8
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("không gắn được tmpfs")
    try:
        master = _copy(base_master, mnt)
        before = sha(master)
        res = run(*COMMANDS["tao-phieu"](master))
        assert res.exit_code == 1 and "không đủ chỗ trống" in res.output, res.output
        monkeypatch.setattr(safeio.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(1 << 40, 0, 1 << 40))
        res = run("bao-cao", master, "--ky", PERIOD, "--word", tmp_path / "bc.docx")
        assert res.exit_code == 1 and "Ổ đĩa đầy" in res.output, res.output
        assert sha(master) == before and listing(mnt) == [master.name]
    finally:
        import gc

        gc.collect()   # a zip writer that failed may still hold the unlinked temporary file
        if subprocess.run(["umount", str(mnt)]).returncode:
            subprocess.run(["umount", "-l", str(mnt)])


def test_successful_write_leaves_one_complete_backup(base_master: Path, tmp_path: Path) -> None:
    master = _copy(base_master, tmp_path / "so")
    before = master.read_bytes()
    res = run(*COMMANDS["tao-phieu"](master))
    assert res.exit_code == 0, res.output
    backups = list((master.parent / "sao_luu").iterdir())
    assert [b.read_bytes() for b in backups] == [before]
    assert sorted(p.name for p in master.parent.iterdir()) == ["So_tong_hop_CCHC.xlsx", "sao_luu"]


# ================================================================ a file that is not the master

@pytest.fixture(scope="module")
def not_masters(base_master: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files an official may pick as the master by mistake: a unit workbook as issued, a
    unit's return (filled), and a workbook that has none of the master's sheets."""
    from openpyxl import Workbook

    root = tmp_path_factory.mktemp("not_masters")
    master = _copy(base_master, root / "so")
    issued = split_master(master, root / "phieu", period_label=PERIOD)[0]
    returned = next((_returned(master, root / "nhan_ve")).iterdir())
    other = root / "khac" / "Bang_so_lieu.xlsx"
    other.parent.mkdir()
    wb = Workbook()
    wb.active.title = "Số liệu"
    wb.active["A1"] = "Hồ sơ TTHC"
    wb.save(other)
    return {"issued": issued, "returned": returned, "other": other}


NOT_MASTER_COMMANDS = {
    "tong-hop": lambda f: ("tong-hop", f, f.parent),            # the form's own folder: s15
    "tong-hop-thu": lambda f: ("tong-hop", f, f.parent, "--thu"),
    "tao-phieu": lambda f: ("tao-phieu", f, "--ky", PERIOD, "--ra", f.parent.parent / "phieu_ra"),
    "bao-cao": lambda f: ("bao-cao", f, "--ky", PERIOD, "--word", f.parent.parent / "bc.docx"),
    "chot-ky": lambda f: ("chot-ky", f, "--ky", PERIOD),
}


@pytest.mark.parametrize("command", sorted(NOT_MASTER_COMMANDS))
@pytest.mark.parametrize("which, words", [("issued", "phiếu đơn vị"), ("returned", "phiếu đơn vị"),
                                          ("other", "Thiếu trang 'Phân công'")])
def test_a_file_that_is_not_the_master_is_refused_before_anything_is_written(
        not_masters: dict[str, Path], tmp_path: Path, command: str, which: str, words: str) -> None:
    """A unit workbook has "Phân công" and "_meta" like the master: given as the master, it was
    merged into (a 'Nhật ký' sheet added, its "_meta" rewritten, a backup folder made), after
    which the real Tổng hợp rejected the unit's return as damaged."""
    folder = tmp_path / "ve"
    wrong = _copy(not_masters[which], folder, not_masters[which].name)
    if command.startswith("tong-hop"):      # with another unit's return beside it
        _copy(not_masters["returned"], folder, "99_KHAC_" + not_masters["returned"].name)
    before = {p.name: sha(p) for p in folder.iterdir()}
    tree = listing(tmp_path)
    res = run(*NOT_MASTER_COMMANDS[command](wrong))
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "Traceback" not in res.output and words in text and wrong.name in text, res.output
    if which != "other":
        assert "không phải sổ tổng hợp" in text, res.output
    assert {p.name: sha(p) for p in folder.iterdir()} == before      # no file changed
    assert listing(tmp_path) == tree                                 # no backup folder, no output


# ================================================================ what the official added

@pytest.fixture(scope="module")
def grafted(base_master: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("grafted")
    out = folder / "So_tong_hop_CCHC.xlsm"
    parts = graft(base_master, [*LOSSY, "button07.xlsm", *KEPT_BY_ALL], out)
    return out, parts


def _check_kept(path: Path, parts: dict[str, bytes], names_before: dict[str, str]) -> None:
    assert set(grafted_parts_after(path, parts).values()) == {"same"}, grafted_parts_after(path, parts)
    after = defined_names(path)
    assert {k: after.get(k) for k in names_before} == names_before
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    n = len(LOSSY) + 1 + len(KEPT_BY_ALL)
    assert [s for s in wb.sheetnames if s.startswith("Thêm")] == [f"Thêm {i}" for i in range(1, n + 1)]


def test_tao_phieu_keeps_every_addition(grafted, tmp_path: Path) -> None:
    src, parts = grafted
    master = _copy(src, tmp_path / "so", src.name)
    names = defined_names(master)
    assert set(ADDED_NAMES) <= set(names)
    res = run("tao-phieu", master, "--ky", PERIOD, "--ra", tmp_path / "phieu")
    assert res.exit_code == 0, res.output
    _check_kept(master, parts, names)
    assert len(list((tmp_path / "phieu").glob("*.xlsx"))) >= 3


def test_tong_hop_keeps_every_addition(grafted, tmp_path: Path) -> None:
    src, parts = grafted
    master = _copy(src, tmp_path / "so", src.name)
    names = defined_names(master)
    inbox = _returned(master, tmp_path / "nhan_ve")
    res = run("tong-hop", master, inbox)
    assert res.exit_code == 0 and "Cập nhật 1 ô" in res.output, res.output
    _check_kept(master, parts, names)


@pytest.mark.libreoffice
def test_master_with_additions_opens_in_libreoffice_after_tao_phieu(grafted, tmp_path: Path) -> None:
    from cchc_xl.report.pdf import recalculate

    src, _ = grafted
    master = _copy(src, tmp_path / "so", src.name)
    assert run("tao-phieu", master, "--ky", PERIOD, "--ra", tmp_path / "phieu").exit_code == 0
    opened = shutil.copy(master, tmp_path / "mo_bang_lo.xlsx")   # recalculate() names its output .xlsx
    out = recalculate(opened, tmp_path / "lo")
    wb = load_workbook(out)
    assert "Thêm 1" in wb.sheetnames and "Phân công" in wb.sheetnames


@pytest.mark.parametrize("donor", LOSSY)
def test_bao_cao_refuses_rather_than_drop_an_addition(base_master: Path, tmp_path: Path, donor: str) -> None:
    folder = tmp_path / "so"
    folder.mkdir()
    master = folder / "So_tong_hop_CCHC.xlsx"
    graft(base_master, [donor], master)
    before, files = sha(master), listing(folder)
    res = run("bao-cao", master, "--ky", PERIOD, "--word", tmp_path / "bc.docx")
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert "làm mất" in out and "Thêm 1" in out and "--khong-ghi-so" in out, out
    assert sha(master) == before and listing(folder) == files
    res = run("bao-cao", master, "--ky", PERIOD, "--word", tmp_path / "bc.docx", "--khong-ghi-so")
    assert res.exit_code == 0 and sha(master) == before


def test_bao_cao_writes_when_nothing_would_be_lost_and_keeps_vba(base_master: Path, tmp_path: Path) -> None:
    master = tmp_path / "so" / "So_tong_hop_CCHC.xlsm"
    master.parent.mkdir()
    parts = graft(base_master, KEPT_BY_ALL, master)
    names = defined_names(master)
    for _ in range(2):      # the second run replaces the report sheet (its own chart is no addition)
        res = run("bao-cao", master, "--ky", PERIOD, "--word", tmp_path / "bc.docx")
        assert res.exit_code == 0, res.output
    z = zipfile.ZipFile(master)
    assert z.read("xl/vbaProject.bin") == parts["xl/vbaProject.bin"]
    assert {k: defined_names(master).get(k) for k in ADDED_NAMES} == {k: names[k] for k in ADDED_NAMES}
    wb = load_workbook(master, keep_vba=True)
    assert {"Thêm 1", "Thêm 2", "Báo cáo quý"} <= set(wb.sheetnames)


def test_khoi_tao_ghi_de_refuses_to_drop_additions(grafted, base_master: Path, tmp_path: Path) -> None:
    src, _ = grafted
    folder = tmp_path / "so"
    folder.mkdir()
    master = folder / "So_tong_hop_CCHC.xlsx"
    graft(base_master, ["comment01.xlsx"], master, names=True)
    before, files = sha(master), listing(folder)
    res = run("khoi-tao", "--mau", "--ra", master, "--ghi-de")
    out = " ".join(res.output.split())
    assert res.exit_code == 1 and "ghi chú (comment)" in out and "CanBo_GhiChu" in out, out
    assert sha(master) == before and listing(folder) == files
    # a master with nothing added is replaced (and backed up)
    plain = _copy(base_master, tmp_path / "plain")
    res = run("khoi-tao", "--mau", "--ra", plain, "--ghi-de")
    assert res.exit_code == 0, res.output
    assert len(list((plain.parent / "sao_luu").iterdir())) == 1


def test_additions_inventory_names_each_kind(grafted) -> None:
    src, _ = grafted
    kinds = {a.kind for a in package_additions(src, own_sheets=load_workbook(src, read_only=True).sheetnames[:9],
                                               own_names=[])}
    assert {"picture", "chart", "comment", "shape", "header_image", "control", "vba", "sheet", "name",
            "printer"} <= kinds


def test_buttons_back_up_through_the_same_guard(base_master: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The buttons write through Excel itself (its own lock file is expected); the backup they
    make first refuses a read-only folder and never leaves half a copy on a full disk."""
    from cchc_xl.xl.buttons import backup_open_book

    master = _copy(base_master, tmp_path / "so")
    master.with_name("~$" + master.name).write_bytes(b"\0")       # Excel has the book open
    made = backup_open_book(master, "sao lưu sổ trước khi tổng hợp")
    assert made is not None and made.read_bytes() == master.read_bytes()
    before = listing(master.parent)
    master.parent.chmod(0o555)
    try:
        with pytest.raises(CchcError, match="không có quyền ghi"):
            backup_open_book(master, "sao lưu sổ trước khi tổng hợp")
    finally:
        master.parent.chmod(0o755)
    _condition("enospc_backup", master, monkeypatch)
    with pytest.raises(CchcError, match="Ổ đĩa đầy"):
        backup_open_book(master, "sao lưu sổ trước khi tổng hợp")
    assert listing(master.parent) == before


# ================================================================ why a file does not open, in Vietnamese

import re as _re  # noqa: E402

_PYTHON_WORDS = _re.compile(r"[A-Za-z]+(Error|Exception)\b|BadZipFile|ZipError|Errno|Permission denied|"
                            r"No such file|Expecting value|KeyError")


def _zip_without_workbook(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("foo.txt", "bar")
    return path


def _truncated(src: Path, path: Path) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _no_sheet_part(src: Path, path: Path) -> Path:
    """A package whose workbook names a sheet part that is not in it ("Phân công")."""
    from cchc_xl.files.xlsx_patch import sheet_parts

    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zo:
        gone = sheet_parts(zi)["Phân công"]
        for info in zi.infolist():
            if info.filename != gone:
                zo.writestr(info, zi.read(info.filename))
    return path


@pytest.mark.parametrize("damage", ["zip-without-workbook", "truncated", "sheet-part-missing"])
@pytest.mark.parametrize("where", ["master", "return"])
def test_a_file_that_does_not_open_is_told_in_vietnamese(split_base: Path, tmp_path: Path, damage: str,
                                                         where: str) -> None:
    """'Tệp bị hỏng, không đọc được (KeyError)', 'Không mở được sổ tổng hợp (ZipError)': the reason an
    official reads is never a Python class name nor the system's English text."""
    folder = tmp_path / "so"
    master = _copy(split_base, folder)
    inbox = tmp_path / "nhan_ve"
    shutil.copytree(split_base.parent.parent / "nhan_ve", inbox)
    good = next(inbox.iterdir())
    target = master.with_name("So_hong.xlsx") if where == "master" else inbox / "03_KT_hong.xlsx"
    if damage == "zip-without-workbook":
        _zip_without_workbook(target)
    elif damage == "truncated":
        _truncated(master if where == "master" else good, target)
    else:
        _no_sheet_part(master if where == "master" else good, target)
    before = sha(master)
    res = run("tong-hop", target if where == "master" else master, inbox, "--ngay", "14/09/2025")
    text = " ".join(res.output.split())
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert target.name in text and not _PYTHON_WORDS.search(text), text
    assert ("Không mở được sổ tổng hợp" in text or "sổ tổng hợp" in text) if where == "master" else "hỏng" in text
    assert sha(master) == before or where == "return"


def test_every_reason_of_an_exception_is_vietnamese() -> None:
    import errno as E
    import xml.etree.ElementTree as ET

    from cchc_xl.core.reasons import why_bad_data, why_unreadable

    class ZipError(Exception):        # the names python-calamine gives its errors
        pass

    class XmlError(Exception):
        pass

    cases = [KeyError("There is no item named 'xl/workbook.xml' in the archive"), zipfile.BadZipFile("File is not"),
             ZipError("invalid Zip archive"), XmlError("bad xml"), ET.ParseError("not well-formed"),
             PermissionError(E.EACCES, "Permission denied"), FileNotFoundError(E.ENOENT, "No such file"),
             OSError(E.EIO, "Input/output error"), OSError(E.ETIMEDOUT, "Connection timed out"), MemoryError(),
             UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), RuntimeError("boom"), EOFError()]
    for exc in cases:
        why = why_unreadable(exc)
        assert why and not _PYTHON_WORDS.search(why) and type(exc).__name__ not in why, (exc, why)
    import json

    try:
        json.loads("{")
    except ValueError as exc:
        assert not _PYTHON_WORDS.search(why_bad_data(exc))
