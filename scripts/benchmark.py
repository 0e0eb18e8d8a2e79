"""Benchmark "Tạo phiếu" and "Tổng hợp" (not a test: it prints figures, it asserts nothing).

    python scripts/benchmark.py                      # 500 units x 100 tasks, growth from 50 files, real size
    python scripts/benchmark.py --files 50 --tasks 20 --no-scale --no-real
    python scripts/benchmark.py --profile            # cProfile of consolidate()
    python scripts/benchmark.py --dir /tmp/b --reuse --stages  # each stage of Tổng hợp timed alone
    python scripts/benchmark.py --dir /tmp/b --repeat 3        # keeps the data in /tmp/b
    python scripts/benchmark.py --dir /tmp/b --reuse --repeat 3  # same data, no rebuild

Every figure is a ratio against a reference measured in the same run, on the same machine:

* Tạo phiếu (split) against XlsxWriter writing the same cells into the same number of plain
  workbooks (target <= 2x);
* Tổng hợp (consolidate) against a bare python-calamine read of the returned files (open each,
  read every sheet) on a fresh copy of the split master each time, median of --repeat runs
  (target <= 2x); peak memory (max RSS) of the command-line run ``cchc-xl tong-hop`` in a child
  process (target <= 350 MB);
* cost per file at --scale-from files and at --files files (it should stay flat: linear growth);
* the real size of one commune (4 units x 52 tasks): the wait an official has, for the
  command-line runs including start-up.

Wall-clock and CPU time (all threads) are both shown: on a shared machine CPU time is steadier.
Exit code 0 when every target is met at --files, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import cProfile
import datetime as dt
import json
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cchc_xl.files.xlsx_patch import patch_xlsx
from cchc_xl.roundtrip.consolidate import consolidate
from cchc_xl.workbook.master import write_master
from cchc_xl.core.models import Area, Plan, PlanInfo, Status, Task, Unit
from cchc_xl.roundtrip.split import split_master
from cchc_xl.core.dispatch import unit_code_from_file_name

AREAS = list(Area)
TITLES = ("Rà soát, đánh giá thủ tục hành chính thuộc phạm vi quản lý", "Tổ chức tuyên truyền cải cách hành chính",
          "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công", "Kiểm tra công tác cải cách hành chính",
          "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính")
AS_OF = dt.date(2025, 9, 14)
READY = "benchmark.json"          # marker written when the data of --dir is complete
SPLIT_MASTER = "So_tong_hop_sau_tao_phieu.xlsx"   # the master as the split left it
MERGE_TARGET = 2.0               # Tổng hợp / bare calamine read
SPLIT_TARGET = 2.0               # Tạo phiếu / XlsxWriter writing the same cells
MEMORY_TARGET_MB = 350           # peak RSS of cchc-xl tong-hop


def make_plan(n_units: int, n_tasks: int) -> Plan:
    units = [Unit(code=f"U{i:03d}", name=f"Phòng chuyên môn số {i}", email=f"u{i:03d}@example.gov.vn")
             for i in range(1, n_units + 1)]
    tasks = []
    for i, u in enumerate(units, start=1):
        for j in range(1, n_tasks + 1):
            area = AREAS[j % len(AREAS)]
            tasks.append(Task(id=f"T{i:03d}-{j:03d}", area=area, section=str(int(area.value)), tt=str(j),
                              title=f"{TITLES[j % len(TITLES)]} (đợt {j})", product="Báo cáo kết quả",
                              deadline_text="Tháng 9/2025", due=dt.date(2025, 9, 30), lead=u.name,
                              lead_units=[u.code]))
    return Plan(info=PlanInfo(commune="xã Thử Nghiệm", province="tỉnh Lâm Đồng", year=2025), units=units,
                tasks=tasks)


def fill_returns(folder: Path, n_tasks: int, seed: int = 7) -> int:
    """Fill Trạng thái/Tiến độ/Ngày hoàn thành/Minh chứng of every returned workbook."""
    rng = random.Random(seed)
    edited = 0
    for f in sorted(folder.glob("*.xlsx")):
        cells = {}
        for k in range(n_tasks):
            row = 5 + k
            p = rng.choice((0, 30, 50, 80, 100))
            if p == 0:
                continue
            done = p == 100
            cells[(row, 13)] = Status.DONE.value if done else Status.IN_PROGRESS.value
            cells[(row, 14)] = p
            if done:
                cells[(row, 15)] = dt.date(2025, 9, rng.randint(1, 14))
                cells[(row, 16)] = f"Báo cáo số {rng.randint(1, 300)}/BC-{unit_code_from_file_name(f.name)}"
            edited += 1
        tmp = f.with_suffix(".tmp")
        patch_xlsx(f, tmp, {"Phân công": cells})
        tmp.replace(f)
    return edited


def bare_read(files: list[Path]) -> int:
    import python_calamine as pc

    n = 0
    for f in files:
        wb = pc.CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python())
        wb.close()
    return n


def read_cells(files: list[Path]) -> list[dict[str, list[list[object]]]]:
    """Every sheet's values of every file (python-calamine), for the XlsxWriter reference."""
    import python_calamine as pc

    out = []
    for f in files:
        wb = pc.CalamineWorkbook.from_path(str(f))
        out.append({name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names})
        wb.close()
    return out


def xlsxwriter_reference(books: list[dict[str, list[list[object]]]], folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds XlsxWriter takes to write the same cells into as many plain workbooks."""
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    t, cpu = time.perf_counter(), time.process_time()
    for i, sheets in enumerate(books):
        wb = xlsxwriter.Workbook(str(folder / f"ref_{i:04d}.xlsx"), {"strings_to_formulas": False,
                                                                    "strings_to_numbers": False})
        for name, rows in sheets.items():
            ws = wb.add_worksheet(name[:31])
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v == "" or v is None:
                        continue
                    if isinstance(v, (dt.date, dt.datetime)):
                        ws.write_datetime(r, c, v if isinstance(v, dt.datetime)
                                          else dt.datetime.combine(v, dt.time()))
                    elif isinstance(v, str):
                        ws.write_string(r, c, v)
                    else:
                        ws.write(r, c, v)
        wb.close()
    return time.perf_counter() - t, time.process_time() - cpu


# The child reports its own peak (VmHWM of its address space, set anew by exec): ru_maxrss from
# wait4() would include the pages it shared with this (large) process when it was forked.
_CHILD = """
import atexit, sys
def _peak():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            sys.stderr.write('@@peak_kb ' + line.split()[1] + '\\n')
atexit.register(_peak)
sys.argv = ['cchc-xl'] + sys.argv[1:]
from cchc_xl.cli import main
main()
"""


def cli_run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of the ``cchc-xl ARGS`` command in a child process."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"cchc-xl {' '.join(args)} thất bại ({proc.returncode}): {proc.stderr[-2000:]}")
    peaks = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("@@peak_kb ")]
    return wall, (peaks[-1] / 1024 if peaks else float("nan"))


def prepare(work: Path, n_files: int, n_tasks: int, quiet: bool = False) -> dict:
    """Master, split (timed) with its XlsxWriter reference, filled returns; the split master is kept."""
    say = (lambda *a: None) if quiet else print
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    shutil.rmtree(out, ignore_errors=True)
    (work / READY).unlink(missing_ok=True)
    t = time.perf_counter()
    plan = make_plan(n_files, n_tasks)
    write_master(plan, master, as_of=AS_OF, make_backup=False)
    say(f"Tạo sổ {len(plan.tasks)} nhiệm vụ, {n_files} đơn vị: {time.perf_counter() - t:.1f} s (không tính)")

    t, c = time.perf_counter(), time.process_time()
    files = split_master(master, out, period_label="Quý III/2025", as_of=AS_OF)
    t_split, c_split = time.perf_counter() - t, time.process_time() - c
    shutil.copy2(master, work / SPLIT_MASTER)
    books = read_cells(files)
    t_ref, c_ref = xlsxwriter_reference(books, work / "tham_chieu_xlsxwriter")
    shutil.rmtree(work / "tham_chieu_xlsxwriter", ignore_errors=True)
    del books
    say(f"Tạo phiếu: {len(files)} tệp trong {t_split:.1f} s ({t_split / max(len(files), 1) * 1000:.0f} ms/tệp,"
        f" CPU {c_split:.1f} s); XlsxWriter ghi cùng các ô: {t_ref:.1f} s (CPU {c_ref:.1f} s) -> tỷ lệ"
        f" {t_split / t_ref:.2f}x, CPU {c_split / c_ref:.2f}x (mục tiêu <= {SPLIT_TARGET:g}x)")

    t = time.perf_counter()
    edited = fill_returns(out, n_tasks)
    say(f"Giả lập đơn vị điền phiếu: {edited} dòng, {time.perf_counter() - t:.1f} s (không tính)")
    info = {"files": n_files, "tasks": n_tasks, "split_s": round(t_split, 3), "ref_s": round(t_ref, 3),
            "split_cpu_s": round(c_split, 3), "ref_cpu_s": round(c_ref, 3)}
    (work / READY).write_text(json.dumps(info))
    return info


def run_once(work: Path, engine: str, profile: bool) -> tuple[float, float, float, float, object]:
    """(bare wall, bare CPU, consolidate wall, consolidate CPU, result) on a fresh master copy."""
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    shutil.copy2(work / SPLIT_MASTER, master)
    shutil.rmtree(work / "sao_luu", ignore_errors=True)
    returned = sorted(out.glob("*.xlsx"))
    t, c = time.perf_counter(), time.process_time()
    bare_read(returned)
    t_bare, c_bare = time.perf_counter() - t, time.process_time() - c

    profiler = cProfile.Profile() if profile else None
    t, c = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = consolidate(master, out, as_of=AS_OF, user="benchmark", engine=engine)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return t_bare, c_bare, time.perf_counter() - t, time.process_time() - c, result


def measure_merge(work: Path, repeat: int, engine: str, profile: bool, quiet: bool = False) -> dict:
    """Tổng hợp against the bare read, ``repeat`` times; medians."""
    ratios, cpu_ratios, bares, merges = [], [], [], []
    for i in range(1, max(repeat, 1) + 1):
        t_bare, c_bare, t_merge, c_merge, result = run_once(work, engine, profile and i == 1)
        ratios.append(t_merge / t_bare if t_bare else float("inf"))
        cpu_ratios.append(c_merge / c_bare if c_bare else float("inf"))
        bares.append(t_bare)
        merges.append(t_merge)
        if not quiet:
            print(f"[{i}] Đọc trần python-calamine: {t_bare:.2f} s (CPU {c_bare:.2f} s); "
                  f"Tổng hợp: {t_merge:.2f} s (CPU {c_merge:.2f} s) - {len(result.plan.master_changes)} ô cập nhật, "
                  f"{len(result.conflicts)} xung đột, {len(result.rejections)} từ chối; "
                  f"tỷ lệ {ratios[-1]:.2f}x (CPU {cpu_ratios[-1]:.2f}x)")
    out = {"ratio": statistics.median(ratios), "cpu_ratio": statistics.median(cpu_ratios),
           "bare_s": statistics.median(bares), "merge_s": statistics.median(merges)}
    # the same files again on the master just written: nothing to apply, but its "Nhật ký"
    # now holds a row per cell changed, and every later Tổng hợp reads it back
    master = work / "So_tong_hop.xlsx"
    t, c = time.perf_counter(), time.process_time()
    again = consolidate(master, work / "phieu", as_of=AS_OF, user="benchmark", engine=engine)
    out["rerun_s"], out["rerun_cpu_s"] = time.perf_counter() - t, time.process_time() - c
    if not quiet:
        print(f"Tổng hợp lần hai, cùng các phiếu (không có gì mới; Nhật ký đã có {len(result.plan.audit_rows)} "
              f"dòng): {out['rerun_s']:.2f} s (CPU {out['rerun_cpu_s']:.2f} s), "
              f"{len(again.plan.master_changes)} ô cập nhật, tỷ lệ {out['rerun_s'] / out['bare_s']:.2f}x so với đọc trần")
    return out


def measure_stages(work: Path) -> dict[str, tuple[float, float]]:
    """Tổng hợp cut in its stages, each timed alone in this thread on a fresh copy of the split
    master: what each costs (not how the reading threads overlap them).  Shows which part
    holds the time, and how much the master alone costs against the bare read."""
    from cchc_xl.files.memory import gc_paused
    from cchc_xl.roundtrip.consolidate.merge import plan_consolidation
    from cchc_xl.roundtrip.consolidate.read import _read_one
    from cchc_xl.roundtrip.consolidate.state import master_state_from_sheets, read_master_values
    from cchc_xl.roundtrip.consolidate.write import plan_patch

    master, out = work / "So_tong_hop.xlsx", work / "vach_thu.xlsx"
    shutil.copy2(work / SPLIT_MASTER, master)
    files = sorted((work / "phieu").glob("*.xlsx"))
    stages: dict[str, tuple[float, float]] = {}

    def timed(label: str, step):
        t, c = time.perf_counter(), time.process_time()
        result = step()
        stages[label] = (time.perf_counter() - t, time.process_time() - c)
        return result

    t, c = time.perf_counter(), time.process_time()
    bare_read(files)
    stages["Đọc trần (tham chiếu)"] = (time.perf_counter() - t, time.process_time() - c)
    with gc_paused():
        values = timed("Đọc sổ", lambda: read_master_values(master, light=True))
        state = timed("Trạng thái sổ", lambda: master_state_from_sheets(values, file=master.name, fast="light",
                                                                         texts=False, consume=True))
        state.data.path = str(master)
        books = timed("Đọc và kiểm tra phiếu", lambda: [r.book for r in (_read_one(f, AS_OF) for f in files)
                                                        if r.book is not None])
        plan = timed("Đối chiếu 3 chiều", lambda: plan_consolidation(state, returns=books, as_of=AS_OF,
                                                                     user="benchmark", now=dt.datetime.now()))
        edits, appends = timed("Chuẩn bị ghi", lambda: plan_patch(plan))
        timed("Ghi sổ (vá XML)", lambda: patch_xlsx(master, out, edits, appends))
    out.unlink(missing_ok=True)
    return stages


def print_stages(stages: dict[str, tuple[float, float]]) -> None:
    bare = stages["Đọc trần (tham chiếu)"][0] or float("inf")
    print("Các bước Tổng hợp, mỗi bước đo riêng trong một luồng:")
    for label, (wall, cpu) in stages.items():
        print(f"  {label}: {wall:.2f} s (CPU {cpu:.2f} s), {wall / bare:.2f}x đọc trần")
    master_side = sum(stages[k][0] for k in ("Đọc sổ", "Trạng thái sổ", "Đối chiếu 3 chiều", "Chuẩn bị ghi",
                                             "Ghi sổ (vá XML)"))
    print(f"  Riêng phần sổ (đọc, trạng thái, đối chiếu, ghi; phiếu đã đọc sẵn): {master_side:.2f} s = "
          f"{master_side / bare:.2f}x đọc trần")


def measure_cli_memory(work: Path) -> tuple[float, float]:
    """``cchc-xl tong-hop`` on a fresh master copy in a child process: (wall s, peak MB)."""
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    shutil.copy2(work / SPLIT_MASTER, master)
    shutil.rmtree(work / "sao_luu", ignore_errors=True)
    return cli_run(["tong-hop", str(master), str(out), "--ngay", AS_OF.strftime("%d/%m/%Y"),
                    "--nguoi", "benchmark"])


def real_size(base: Path) -> None:
    """One commune: 4 units x 52 tasks, through the command line as an official runs it."""
    work = base / "thuc_te_4x52"
    work.mkdir(parents=True, exist_ok=True)
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    write_master(make_plan(4, 13), master, as_of=AS_OF, make_backup=False)
    shutil.rmtree(out, ignore_errors=True)
    t_split, mem_split = cli_run(["tao-phieu", str(master), "--ky", "Quý III/2025", "--ra", str(out),
                                  "--ngay", AS_OF.strftime("%d/%m/%Y")])
    fill_returns(out, 13)
    t_merge, mem_merge = cli_run(["tong-hop", str(master), str(out), "--ngay", AS_OF.strftime("%d/%m/%Y")])
    print(f"Cỡ thực tế (4 đơn vị, 52 nhiệm vụ, lệnh cchc-xl kể cả khởi động): Tạo phiếu {t_split:.1f} s "
          f"({mem_split:.0f} MB), Tổng hợp {t_merge:.1f} s ({mem_merge:.0f} MB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=500, help="số đơn vị = số phiếu (mặc định 500)")
    ap.add_argument("--tasks", type=int, default=100, help="số nhiệm vụ mỗi đơn vị (mặc định 100)")
    ap.add_argument("--scale-from", type=int, default=50,
                    help="đo thêm ở số phiếu này để so chi phí mỗi tệp (mặc định 50)")
    ap.add_argument("--no-scale", action="store_true", help="bỏ phép đo tăng trưởng")
    ap.add_argument("--no-real", action="store_true", help="bỏ phép đo cỡ thực tế 4 x 52")
    ap.add_argument("--dir", type=Path, default=None, help="thư mục làm việc (mặc định: thư mục tạm)")
    ap.add_argument("--reuse", action="store_true", help="dùng lại sổ và phiếu đã tạo trong --dir")
    ap.add_argument("--repeat", type=int, default=3, help="số lần đo Tổng hợp (mặc định 3, lấy trung vị)")
    ap.add_argument("--profile", action="store_true", help="in cProfile của consolidate()")
    ap.add_argument("--stages", action="store_true", help="đo riêng từng bước của Tổng hợp (đọc sổ, phiếu, "
                                                          "đối chiếu, ghi)")
    ap.add_argument("--engine", default="auto", choices=("auto", "patch", "openpyxl"))
    args = ap.parse_args(argv)
    base = args.dir or Path(tempfile.mkdtemp(prefix="cchc_bench_"))
    work = base / f"{args.files}x{args.tasks}"
    work.mkdir(parents=True, exist_ok=True)
    ready = work / READY
    print(f"== {args.files} phiếu x {args.tasks} nhiệm vụ")
    if args.reuse and ready.exists():
        info = json.loads(ready.read_text())
        print(f"Dùng lại dữ liệu: Tạo phiếu lúc tạo {info['split_s']} s, XlsxWriter {info['ref_s']} s")
    else:
        info = prepare(work, args.files, args.tasks)
    split_ratio = info["split_s"] / info["ref_s"] if info["ref_s"] else float("inf")
    merge = measure_merge(work, args.repeat, args.engine, args.profile)
    if args.stages:
        print_stages(measure_stages(work))
    t_cli, peak = measure_cli_memory(work)
    print(f"Tỷ lệ Tổng hợp / đọc trần (trung vị {max(args.repeat, 1)} lần): {merge['ratio']:.2f}x, CPU "
          f"{merge['cpu_ratio']:.2f}x (mục tiêu <= {MERGE_TARGET:g}x)")
    print(f"Lệnh cchc-xl tong-hop: {t_cli:.1f} s, bộ nhớ đỉnh {peak:.0f} MB (mục tiêu <= {MEMORY_TARGET_MB} MB)")
    split_cpu = (info["split_cpu_s"] / info["ref_cpu_s"] if info.get("ref_cpu_s") else float("nan"))
    print(f"Tỷ lệ Tạo phiếu / XlsxWriter: {split_ratio:.2f}x, CPU {split_cpu:.2f}x (mục tiêu <= {SPLIT_TARGET:g}x)")

    if not args.no_scale and 0 < args.scale_from < args.files:
        small = base / f"{args.scale_from}x{args.tasks}"
        small.mkdir(parents=True, exist_ok=True)
        s_info = prepare(small, args.scale_from, args.tasks, quiet=True)
        s_merge = measure_merge(small, args.repeat, args.engine, False, quiet=True)
        n0, n1 = args.scale_from, args.files
        per = [(s_info["split_s"] / n0, info["split_s"] / n1), (s_merge["merge_s"] / n0, merge["merge_s"] / n1)]
        for label, (a, b) in zip(("Tạo phiếu", "Tổng hợp"), per):
            print(f"Chi phí mỗi tệp, {label}: {a * 1000:.1f} ms ({n0} tệp) -> {b * 1000:.1f} ms ({n1} tệp),"
                  f" hệ số {b / a if a else float('inf'):.2f} (tuyến tính ~ 1)")
    if not args.no_real:
        real_size(base)

    ok = {"Tổng hợp": merge["ratio"] <= MERGE_TARGET, "bộ nhớ": peak <= MEMORY_TARGET_MB,
          "Tạo phiếu": split_ratio <= SPLIT_TARGET}
    print("Kết quả: " + ", ".join(f"{k} {'ĐẠT' if v else 'CHƯA ĐẠT'}" for k, v in ok.items()))
    print(f"Thư mục làm việc: {base}")
    return 0 if all(ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
