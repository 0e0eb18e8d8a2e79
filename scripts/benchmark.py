"""Benchmark "Tạo phiếu" and "Tổng hợp" on a large synthetic plan (not a test).

    python scripts/benchmark.py                      # 500 units x 100 tasks (50 000 tasks)
    python scripts/benchmark.py --files 50 --tasks 20
    python scripts/benchmark.py --profile            # cProfile of consolidate()
    python scripts/benchmark.py --dir /tmp/b --repeat 3        # keeps the data in /tmp/b
    python scripts/benchmark.py --dir /tmp/b --reuse --repeat 3  # same data, no rebuild

Steps: build a master with N units each leading M tasks; split it (timed);
fill the tracking cells of every returned workbook (not timed); then time a bare
python-calamine read of the returned files (open each + read every sheet) and
``consolidate()`` on the same files, on a fresh copy of the split master each
time.  Target: Tổng hợp <= 3 x bare read.  Wall-clock and CPU time (all threads)
are both shown: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
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
from cchc_xl.workbook.unitbook import unit_code_from_file_name

AREAS = list(Area)
TITLES = ("Rà soát, đánh giá thủ tục hành chính thuộc phạm vi quản lý", "Tổ chức tuyên truyền cải cách hành chính",
          "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công", "Kiểm tra công tác cải cách hành chính",
          "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính")
AS_OF = dt.date(2025, 9, 14)
READY = "benchmark.json"          # marker written when the data of --dir is complete
SPLIT_MASTER = "So_tong_hop_sau_tao_phieu.xlsx"   # the master as the split left it


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


def prepare(work: Path, n_files: int, n_tasks: int) -> None:
    """Master, split (timed), filled returns; the split master is kept for every run."""
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    shutil.rmtree(out, ignore_errors=True)
    (work / READY).unlink(missing_ok=True)
    t = time.perf_counter()
    plan = make_plan(n_files, n_tasks)
    write_master(plan, master, as_of=AS_OF, make_backup=False)
    print(f"Tạo sổ {len(plan.tasks)} nhiệm vụ, {n_files} đơn vị: {time.perf_counter() - t:.1f} s (không tính)")

    t, c = time.perf_counter(), time.process_time()
    files = split_master(master, out, period_label="Quý III/2025", as_of=AS_OF)
    t_split, c_split = time.perf_counter() - t, time.process_time() - c
    print(f"Tạo phiếu: {len(files)} tệp trong {t_split:.1f} s ({t_split / max(len(files), 1) * 1000:.0f} ms/tệp,"
          f" CPU {c_split:.1f} s)")
    shutil.copy2(master, work / SPLIT_MASTER)

    t = time.perf_counter()
    edited = fill_returns(out, n_tasks)
    print(f"Giả lập đơn vị điền phiếu: {edited} dòng, {time.perf_counter() - t:.1f} s (không tính)")
    (work / READY).write_text(json.dumps({"files": n_files, "tasks": n_tasks, "split_s": round(t_split, 2)}))


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=500, help="số đơn vị = số phiếu (mặc định 500)")
    ap.add_argument("--tasks", type=int, default=100, help="số nhiệm vụ mỗi đơn vị (mặc định 100)")
    ap.add_argument("--dir", type=Path, default=None, help="thư mục làm việc (mặc định: thư mục tạm)")
    ap.add_argument("--reuse", action="store_true", help="dùng lại sổ và phiếu đã tạo trong --dir")
    ap.add_argument("--repeat", type=int, default=1, help="số lần đo Tổng hợp (mỗi lần trên bản sao mới của sổ)")
    ap.add_argument("--profile", action="store_true", help="in cProfile của consolidate()")
    ap.add_argument("--engine", default="auto", choices=("auto", "patch", "openpyxl"))
    args = ap.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="cchc_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    ready = work / READY
    if args.reuse and ready.exists():
        info = json.loads(ready.read_text())
        print(f"Dùng lại dữ liệu: {info['files']} phiếu x {info['tasks']} nhiệm vụ (Tạo phiếu lúc tạo: "
              f"{info['split_s']} s)")
    else:
        prepare(work, args.files, args.tasks)

    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for i in range(1, max(args.repeat, 1) + 1):
        t_bare, c_bare, t_merge, c_merge, result = run_once(work, args.engine, args.profile and i == 1)
        ratio = t_merge / t_bare if t_bare else float("inf")
        cpu_ratio = c_merge / c_bare if c_bare else float("inf")
        ratios.append(ratio)
        cpu_ratios.append(cpu_ratio)
        print(f"[{i}] Đọc trần python-calamine: {t_bare:.2f} s (CPU {c_bare:.2f} s); "
              f"Tổng hợp: {t_merge:.2f} s (CPU {c_merge:.2f} s) - {len(result.plan.master_changes)} ô cập nhật, "
              f"{len(result.conflicts)} xung đột, {len(result.rejections)} từ chối; "
              f"tỷ lệ {ratio:.2f}x (CPU {cpu_ratio:.2f}x)")
    ratio = statistics.median(ratios)
    print(f"Tỷ lệ Tổng hợp / đọc trần (trung vị {len(ratios)} lần): {ratio:.2f}x, CPU "
          f"{statistics.median(cpu_ratios):.2f}x (mục tiêu <= 3x) -> {'ĐẠT' if ratio <= 3 else 'CHƯA ĐẠT'}")
    print(f"Thư mục làm việc: {work}")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
