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
