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

# ---------------------------------------------------------------- security (formula text, server, paths)
FORMULA_TEXT = T("formula_text", "warning", "Văn bản giống công thức",
                 "Ô chứa '{text}' giống công thức Excel (có thể là công thức độc hại/DDE): đã ghi dưới dạng "
                 "văn bản, không chạy. Hãy kiểm tra lại nội dung ở bản gốc")
PATH_OUTSIDE = T("path_outside_work_dir", "error", "Thư mục ngoài thư mục làm việc",
                 "Thư mục '{path}' nằm ngoài thư mục làm việc {root} (hoặc dùng '..'/liên kết ra ngoài): "
                 "bị từ chối. Hãy ghi tên thư mục con bên trong thư mục làm việc")
FORMULA_REJECTED = T("formula_rejected", "error", "Công thức trong phiếu gửi về",
                     "Ô '{header}' của {item} nghi ngờ công thức độc hại/DDE - bị từ chối")
