"""Benchmark "Tạo phiếu" and "Tổng hợp" on a large synthetic plan (not a test).

    python scripts/benchmark.py                      # 500 units x 100 tasks (50 000 tasks)
    python scripts/benchmark.py --files 50 --tasks 20
    python scripts/benchmark.py --profile            # cProfile of consolidate()

Steps: build a master with N units each leading M tasks; split it (timed);
fill the tracking cells of every returned workbook (not timed); then time a bare
python-calamine read of the returned files (open each + read every sheet) and
``consolidate()`` on the same files.  Target: Tổng hợp <= 3 x bare read.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from cchc_xl.consolidate import consolidate, patch_xlsx
from cchc_xl.master import write_master
from cchc_xl.models import Area, Plan, PlanInfo, Status, Task, Unit
from cchc_xl.split import split_master
from cchc_xl.unitbook import unit_code_from_file_name

AREAS = list(Area)
TITLES = ("Rà soát, đánh giá thủ tục hành chính thuộc phạm vi quản lý", "Tổ chức tuyên truyền cải cách hành chính",
          "Cập nhật, công khai thủ tục hành chính trên Cổng dịch vụ công", "Kiểm tra công tác cải cách hành chính",
          "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính")


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=500, help="số đơn vị = số phiếu (mặc định 500)")
    ap.add_argument("--tasks", type=int, default=100, help="số nhiệm vụ mỗi đơn vị (mặc định 100)")
    ap.add_argument("--dir", type=Path, default=None, help="thư mục làm việc (mặc định: thư mục tạm)")
    ap.add_argument("--profile", action="store_true", help="in cProfile của consolidate()")
    ap.add_argument("--engine", default="auto", choices=("auto", "patch", "openpyxl"))
    args = ap.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="cchc_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    master, out = work / "So_tong_hop.xlsx", work / "phieu"
    shutil.rmtree(out, ignore_errors=True)

    t = time.perf_counter()
    plan = make_plan(args.files, args.tasks)
    write_master(plan, master, as_of=dt.date(2025, 9, 14), make_backup=False)
    print(f"Tạo sổ {len(plan.tasks)} nhiệm vụ, {args.files} đơn vị: {time.perf_counter() - t:.1f} s (không tính)")

    t = time.perf_counter()
    files = split_master(master, out, period_label="Quý III/2025", as_of=dt.date(2025, 9, 14))
    t_split = time.perf_counter() - t
    print(f"Tạo phiếu: {len(files)} tệp trong {t_split:.1f} s ({t_split / max(len(files), 1) * 1000:.0f} ms/tệp)")

    t = time.perf_counter()
    edited = fill_returns(out, args.tasks)
    print(f"Giả lập đơn vị điền phiếu: {edited} dòng, {time.perf_counter() - t:.1f} s (không tính)")

    returned = sorted(out.glob("*.xlsx"))
    t = time.perf_counter()
    bare_read(returned)
    t_bare = time.perf_counter() - t

    profiler = cProfile.Profile() if args.profile else None
    t = time.perf_counter()
    if profiler:
        profiler.enable()
    result = consolidate(master, out, as_of=dt.date(2025, 9, 14), user="benchmark", engine=args.engine)
    if profiler:
        profiler.disable()
    t_merge = time.perf_counter() - t

    ratio = t_merge / t_bare if t_bare else float("inf")
    print(f"Đọc trần python-calamine {len(returned)} tệp: {t_bare:.2f} s")
    print(f"Tổng hợp (consolidate): {t_merge:.2f} s - {len(result.plan.master_changes)} ô cập nhật, "
          f"{len(result.conflicts)} xung đột, {len(result.rejections)} từ chối")
    print(f"Tỷ lệ Tổng hợp / đọc trần: {ratio:.2f}x (mục tiêu <= 3x) -> {'ĐẠT' if ratio <= 3 else 'CHƯA ĐẠT'}")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    print(f"Thư mục làm việc: {work}")
    return 0 if ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
