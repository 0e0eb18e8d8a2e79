"""Declared finding types, by area.  Add new types here (one per kind of problem).

Conventions: ``code`` is snake_case English and never changes once released
(Nhật ký rows and scripts refer to it); ``title`` is a few Vietnamese words;
``template`` names its parameters in braces.  Location (file, sheet, cell) is not
part of the template: ``Finding.location()`` adds it.
"""

from __future__ import annotations

from cchc_xl.core.findings.base import FindingType as T

# ---------------------------------------------------------------- files
NO_FILE = T("no_file", "error", "Không tìm thấy tệp", "Không tìm thấy tệp")
BAD_FILE = T("bad_file", "error", "Tệp hỏng", "Không mở được tệp Excel: {why}")

# ---------------------------------------------------------------- register, reminders, feedback
REGISTER_UNKNOWN_UNIT = T("register_unknown_unit", "warning", "Đơn vị không còn trong danh sách",
                          "Đơn vị '{unit}' của trang 'Tình hình gửi phiếu' không còn trong trang 'Đơn vị'; "
                          "không gửi thư cho đơn vị này")
REGISTER_NO_PERIOD = T("register_no_period", "error", "Kỳ chưa có phiếu",
                       "Trang 'Tình hình gửi phiếu' chưa có phiếu nào của kỳ {period}: chạy 'cchc-xl tao-phieu' "
                       "(và 'gui-email') trước")
REGISTER_NOT_WRITTEN = T("register_not_written", "error", "Chưa ghi được tình hình gửi phiếu",
                         "Chưa ghi được trang 'Tình hình gửi phiếu': {why}")
REGISTER_NO_SHEET = T("register_no_sheet", "warning", "Sổ chưa có trang tình hình gửi phiếu",
                      "Sổ chưa có trang 'Tình hình gửi phiếu' (sổ tạo bằng phiên bản cũ) và có biểu đồ/hình ảnh "
                      "mà việc thêm trang sẽ làm mất: chưa ghi {what}. Tạo lại sổ bằng 'cchc-xl khoi-tao' hoặc "
                      "chép trang 'Tình hình gửi phiếu' từ sổ mẫu vào sổ này")
FEEDBACK_NOT_WRITTEN = T("feedback_not_written", "error", "Chưa tạo được phiếu phản hồi",
                         "Không tạo được phiếu phản hồi: {why}")
FEEDBACK_UNREADABLE = T("feedback_unreadable", "warning", "Phiếu gửi về không đọc được",
                        "Không đọc được tệp đơn vị gửi về nên không tạo phiếu phản hồi: {why}")

# ---------------------------------------------------------------- import of the appendix (khoi-tao)
NO_APPENDIX = T("no_appendix", "error", "Không có bảng phân công",
                "Không tìm thấy bảng phân công nhiệm vụ (cần một bảng có dòng tiêu đề với các cột "
                "'TT', 'Nhiệm vụ', 'Sản phẩm', 'Thời gian hoàn thành', 'Chủ trì'...). {hint} "
                "Chưa ghi gì.")
TABLE_SKIPPED = T("table_skipped", "info", "Bảng không thuộc phụ lục",
                  "{table} ({rows} dòng, {cols} cột, bắt đầu bằng '{first}') không phải bảng phân công: "
                  "{why}; đã bỏ qua.")
TABLE_CONTINUED = T("table_continued", "info", "Phụ lục nối nhiều bảng",
                    "{table} ({rows} dòng) là phần tiếp theo của bảng phân công ({why}): đã nhập nối tiếp.")
TEXT_BETWEEN_TABLES = T("text_between_tables", "info", "Đoạn văn giữa các bảng",
                        "Đoạn văn giữa các phần của bảng phân công không thuộc nhiệm vụ nào, đã bỏ qua: "
                        "'{text}'.")
SECTION_FROM_TEXT = T("section_from_text", "info", "Tiêu đề phần nằm ngoài bảng",
                      "Đoạn văn '{text}' giữa hai bảng là tiêu đề phần {section}: đã dùng làm phần của các "
                      "nhiệm vụ bên dưới.")
MERGED_APPLIED = T("merged_applied", "info", "Ô gộp dùng chung",
                   "Ô gộp cột '{column}' ('{value}') dùng chung cho {count} nhiệm vụ: {ids}.")
UNIT_PART_UNKNOWN = T("unit_part_unknown", "warning", "Đơn vị không nhận ra",
                      "Cột '{column}' của nhiệm vụ {task}: không nhận ra đơn vị {names}. "
                      "Hãy sửa tên hoặc thêm vào cột 'Tên gọi khác' ở trang 'Đơn vị'.")
MILESTONE_PASSED = T("milestone_passed", "warning", "Đã qua mốc",
                     "Nhiệm vụ {task} ({status}): đã qua mốc '{label}' hạn {due} (ngày số liệu {as_of}) mà "
                     "nhiệm vụ chưa hoàn thành. Hãy kiểm tra mốc này đã làm chưa.")

# ---------------------------------------------------------------- security (formula text, server, paths)
FORMULA_TEXT = T("formula_text", "warning", "Văn bản giống công thức",
                 "Ô chứa '{text}' giống công thức Excel (có thể là công thức độc hại/DDE): đã ghi dưới dạng "
                 "văn bản, không chạy. Hãy kiểm tra lại nội dung ở bản gốc")
PATH_OUTSIDE = T("path_outside_work_dir", "error", "Thư mục ngoài thư mục làm việc",
                 "Thư mục '{path}' nằm ngoài thư mục làm việc {root} (hoặc dùng '..'/liên kết ra ngoài): "
                 "bị từ chối. Hãy ghi tên thư mục con bên trong thư mục làm việc")
FORMULA_REJECTED = T("formula_rejected", "error", "Công thức trong phiếu gửi về",
                     "Ô '{header}' của {item} nghi ngờ công thức độc hại/DDE - bị từ chối")
