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

# ---------------------------------------------------------------- files: returned packages, safe writes
# (a returned file is size-checked before it is decompressed; every command writing the
# master goes through ``files.safeio.guarded_write``)
ZIP_BOMB = T("zip_bomb", "error", "Tệp nén bất thường",
             "Tệp bị từ chối trước khi giải nén: {why} (giới hạn {limit}). Tệp có thể hỏng hoặc là "
             "'bom nén'; đề nghị đơn vị mở phiếu bằng Excel, lưu lại rồi gửi lại")
MASTER_IN_USE = T("master_in_use", "error", "Sổ đang mở",
                  "Sổ đang mở trong {app} (có tệp khóa '{lock}' cạnh sổ) nên chưa {action}: hãy lưu, đóng "
                  "sổ rồi chạy lại. Nếu không máy nào đang mở sổ, xóa tệp khóa đó rồi chạy lại")
FILE_READ_ONLY = T("file_read_only", "error", "Sổ chỉ đọc",
                   "Tệp đang để chế độ chỉ đọc nên chưa {action}: bỏ thuộc tính 'Chỉ đọc' (Read-only) "
                   "của tệp rồi chạy lại")
FOLDER_READ_ONLY = T("folder_read_only", "error", "Thư mục không ghi được",
                     "Thư mục '{folder}' chỉ đọc hoặc không có quyền ghi nên chưa {action} (cần ghi bản sao "
                     "lưu và tệp mới vào đó): chép sổ sang thư mục khác hoặc xin quyền ghi rồi chạy lại")
DISK_FULL = T("disk_full", "error", "Ổ đĩa đầy",
              "Ổ đĩa chứa tệp không đủ chỗ trống (cần khoảng {needed}, còn {free}) nên chưa {action}: "
              "giải phóng dung lượng rồi chạy lại. Tệp không thay đổi")
DISK_FULL_WRITING = T("disk_full_writing", "error", "Ổ đĩa đầy",
                      "Ổ đĩa đầy trong lúc {action}: đã hủy việc ghi, tệp không thay đổi và không để lại "
                      "tệp tạm. Giải phóng dung lượng rồi chạy lại")
WRITE_DENIED = T("write_denied", "error", "Không có quyền ghi",
                 "Không ghi được tệp khi {action} (tệp đang mở trong Excel, chỉ đọc, hoặc thư mục không cho "
                 "ghi): tệp không thay đổi. Đóng tệp hoặc kiểm tra quyền ghi rồi chạy lại")
WRITE_FAILED = T("write_failed", "error", "Không ghi được",
                 "Không ghi được tệp khi {action} ({why}): tệp không thay đổi")
ADDITIONS_WOULD_BE_LOST = T(
    "additions_would_be_lost", "error", "Sổ có nội dung cán bộ thêm",
    "Sổ có {what} do cán bộ thêm vào; {action} theo cách này sẽ làm mất chúng nên chưa ghi gì. {advice}")
