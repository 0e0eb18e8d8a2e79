"""Biến sổ tổng hợp (.xlsx) thành sổ có nút bấm (.xlsm) - chạy trên máy Windows có Excel.

    py macros\\tao_so_xlsm.py "D:\\CCHC\\So_tong_hop_CCHC_2025.xlsx"

Làm tự động các bước thủ công trong docs/CAI_DAT_WINDOWS.md (mục 5):

1. lưu sổ thành .xlsm (bản .xlsx giữ nguyên);
2. nhập module VBA của xlwings (xlwings.bas, Dictionary.cls - chế độ "standalone",
   không cần tham chiếu tới add-in) và module macros/cchc_xl.bas;
3. tạo trang ẩn "xlwings.conf" (đường dẫn Python, UDF Modules = cchc_xl.xl.udfs);
4. thêm 4 nút trên trang "Tổng quan": Kiểm tra, Tạo phiếu, Tổng hợp, Báo cáo quý;
5. nạp các hàm =CCHC_... và lưu sổ.

Cần: Excel (2016 trở lên), Python đã cài cchc_xl (kèm xlwings, pywin32), và đã bật
Excel > File > Options > Trust Center > Trust Center Settings > Macro Settings >
"Trust access to the VBA project object model".  Chỉ dùng trên Windows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

BUTTONS: tuple[tuple[str, str], ...] = (
    ("Kiểm tra", "KiemTra"),
    ("Tạo phiếu", "TaoPhieu"),
    ("Tổng hợp", "TongHop"),
    ("Phản hồi", "PhanHoi"),
    ("Báo cáo quý", "BaoCaoQuy"),
    ("Nhập khắc phục", "NhapKhacPhuc"),
    ("Nhập chỉ số", "NhapChiSo"),
)
DASHBOARD = "Tổng quan"
CONFIG_SHEET = "xlwings.conf"
UDF_MODULE = "cchc_xl.xl.udfs"
XL_OPENXML_MACRO = 52          # xlOpenXMLWorkbookMacroEnabled
BUTTON_COLUMN = "J"            # the dashboard uses A:H
HERE = Path(__file__).resolve().parent


def interpreter() -> str:
    """pythonw.exe next to this Python (no console window), else python.exe."""
    exe = Path(sys.executable)
    windowless = exe.with_name("pythonw.exe")
    return str(windowless if windowless.exists() else exe)


def config_rows() -> list[list[str]]:
    """Key/value rows of the "xlwings.conf" sheet."""
    return [["Interpreter_Win", interpreter()], ["UDF Modules", UDF_MODULE],
            ["Use UDF Server", "False"], ["Show Console", "False"]]


def _vba_modules() -> list[Path]:
    import xlwings

    base = Path(xlwings.__file__).parent
    return [base / "xlwings.bas", base / "addin" / "Dictionary.cls", HERE / "cchc_xl.bas"]


def _import_modules(book) -> None:
    components = book.api.VBProject.VBComponents
    existing = {components.Item(i).Name for i in range(1, components.Count + 1)}
    for path in _vba_modules():
        if path.stem in existing:
            components.Remove(components.Item(path.stem))
        components.Import(str(path))


def _write_config(book) -> None:
    names = [s.name for s in book.sheets]
    sheet = book.sheets[CONFIG_SHEET] if CONFIG_SHEET in names else \
        book.sheets.add(CONFIG_SHEET, after=book.sheets[len(book.sheets) - 1])
    sheet.clear_contents()
    sheet.range("A1").value = config_rows()
    sheet.visible = False


def _add_buttons(book) -> None:
    sheet = book.sheets[DASHBOARD]
    buttons = sheet.api.Buttons()
    macros = {macro for _, macro in BUTTONS}
    for i in range(buttons.Count, 0, -1):          # remove buttons of an earlier run
        if str(buttons.Item(i).OnAction).split("!")[-1] in macros:
            buttons.Item(i).Delete()
    for row, (caption, macro) in enumerate(BUTTONS, start=2):
        cell = sheet.range(f"{BUTTON_COLUMN}{2 * row - 2}")
        button = buttons.Add(cell.left, cell.top, 130, 26)
        button.OnAction = macro
        button.Caption = caption


def _import_udfs(book) -> bool:
    try:
        from xlwings.udfs import import_udfs

        import_udfs(UDF_MODULE, book.api)
        return True
    except Exception as exc:  # the user can still click "Import Functions" / run NapHamCCHC
        print(f"Chưa nạp được các hàm CCHC_... ({exc}). Mở sổ, bấm Alt+F8, chạy macro NapHamCCHC.")
        return False


def make_xlsm(source: Path) -> Path:
    import xlwings as xw

    target = source.with_suffix(".xlsm")
    app = xw.App(visible=True, add_book=False)
    app.display_alerts = False
    book = app.books.open(str(source))
    try:
        _ = book.api.VBProject.VBComponents.Count
    except Exception:
        book.close()
        raise SystemExit(
            "Excel chưa cho phép truy cập dự án VBA. Vào File > Options > Trust Center > Trust Center "
            "Settings > Macro Settings, đánh dấu 'Trust access to the VBA project object model', "
            "rồi chạy lại.")
    if target.exists():
        from cchc_xl.files.safeio import backup

        backup(target)
    book.api.SaveAs(str(target), FileFormat=XL_OPENXML_MACRO)
    _import_modules(book)
    _write_config(book)
    _add_buttons(book)
    _import_udfs(book)
    book.save()
    app.display_alerts = True
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tạo sổ .xlsm có nút bấm từ sổ tổng hợp .xlsx")
    parser.add_argument("so_tong_hop", type=Path, help="đường dẫn sổ tổng hợp .xlsx")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("win"):
        raise SystemExit("Công cụ này chỉ chạy trên Windows có cài Excel.")
    source = args.so_tong_hop.resolve()
    if not source.exists():
        raise SystemExit(f"Không tìm thấy tệp {source}")
    target = make_xlsm(source)
    print(f"Đã tạo {target}. Mở sổ, bấm 'Enable Content' (Bật nội dung) để dùng các nút.")


if __name__ == "__main__":
    main()
