"""The sample master committed in workbook/ is current: same content as sample_plan()."""

from pathlib import Path

from openpyxl import load_workbook

from cchc_xl.core import schema as S
from cchc_xl.workbook.master import read_master
from cchc_xl.importers.sample import sample_plan

SAMPLE = Path(__file__).resolve().parents[1] / "workbook" / "So_tong_hop_CCHC_mau.xlsx"
REBUILD = ("cchc-xl khoi-tao --mau --ra workbook/So_tong_hop_CCHC_mau.xlsx "
           "--ngay-so-lieu 14/09/2025 --ghi-de")


def test_sample_master_matches_sample_plan():
    data = read_master(SAMPLE)
    expected = sample_plan()
    assert not [f for f in data.findings if f.severity == "error"]
    assert data.plan.tasks == expected.tasks, f"Sổ mẫu đã cũ, chạy: {REBUILD}"
    assert data.plan.units == expected.units
    assert data.plan.index_areas == expected.index_areas
    assert data.plan.index_criteria == expected.index_criteria
    assert data.plan.remediation == expected.remediation
    assert data.plan.info == expected.info


def test_sample_master_dashboard_is_formulas():
    wb = load_workbook(SAMPLE)
    ws = wb[S.SHEET_DASHBOARD]
    formulas = [c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 50
    assert any("SUMPRODUCT" in f or "COUNTIFS" in f for f in formulas)
    assert wb.sheetnames[0] == S.SHEET_DASHBOARD
