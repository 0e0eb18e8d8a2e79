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

# ---------------------------------------------------------------- tracking rows (validate and Tổng hợp alike)
# ``core.tracking_rules.row_issues`` is the one place these are decided; "{label}" names
# the row ("Nhiệm vụ III-03", "Khắc phục KP-02").
PROGRESS_RANGE = T("progress_range", "error", "Tiến độ ngoài 0-100",
                   "{label}: tiến độ {progress}% nằm ngoài khoảng 0-100")
PROGRESS_FRACTION = T("progress_fraction", "warning", "Tiến độ nhập dạng phân số",
                      "{label}: tiến độ {progress}% rất nhỏ: có phải {percent}%? (cột này nhập số từ 0 "
                      "đến 100)")
DONE_PROGRESS = T("done_progress", "error", "Hoàn thành mà tiến độ chưa đủ",
                  "{label}: trạng thái 'Đã hoàn thành' nhưng tiến độ chỉ {progress}%")
DONE_NO_DATE = T("done_no_date", "warning", "Hoàn thành mà chưa có ngày",
                 "{label}: trạng thái 'Đã hoàn thành' nhưng chưa có ngày hoàn thành")
PROGRESS_NOT_DONE = T("progress_not_done", "warning", "Tiến độ 100% mà chưa hoàn thành",
                      "{label}: tiến độ 100% nhưng trạng thái là '{status}'")
DATE_NOT_DONE = T("date_not_done", "warning", "Có ngày hoàn thành mà chưa hoàn thành",
                  "{label}: có ngày hoàn thành {date} nhưng trạng thái là '{status}'")
DATE_FUTURE = T("date_future", "error", "Ngày hoàn thành sau ngày số liệu",
                "{label}: ngày hoàn thành {date} sau ngày {what} {as_of}")
DATE_BEFORE_YEAR = T("date_before_year", "error", "Ngày hoàn thành trước kỳ kế hoạch",
                     "{label}: ngày hoàn thành {date} trước kỳ kế hoạch (bắt đầu {start})")
DATE_AFTER_YEAR = T("date_after_year", "error", "Ngày hoàn thành sau năm kế hoạch",
                    "{label}: ngày hoàn thành {date} sau năm kế hoạch {year}")
DATE_BEFORE_PLAN = T("date_before_plan", "warning", "Ngày hoàn thành trước ngày ban hành kế hoạch",
                     "{label}: ngày hoàn thành {date} trước ngày ban hành kế hoạch ({plan_date})")
TEXT_TOO_LONG = T("text_too_long", "error", "Văn bản quá dài cho một ô Excel",
                  "{label}: '{header}' dài {length} ký tự, quá giới hạn {limit} ký tự của một ô Excel - "
                  "không ghi; hãy rút gọn hoặc đính kèm tệp riêng")

# ---------------------------------------------------------------- Tổng hợp: what a return may not do
RETURN_DUPLICATE_ID = T("return_duplicate_id", "error", "Mã lặp lại trong phiếu",
                        "Mã {item} xuất hiện {count} lần trong phiếu (dòng {rows}): từ chối mọi dòng mang mã này")
RETURN_BASE_MISMATCH = T("return_base_mismatch", "error", "Giá trị gốc trong phiếu bị sửa",
                         "Giá trị gốc của {item} trong trang ẩn '_meta' của phiếu khác giá trị sổ đã gửi cho "
                         "đơn vị ({fields}): phiếu bị sửa - không cập nhật dòng này")
RETURN_STALE = T("return_stale", "error", "Phiếu cũ hơn phiếu đã tổng hợp",
                 "Phiếu cũ hơn phiếu đã tổng hợp của đơn vị {unit} ({this} so với {applied}, tệp {file}): "
                 "không cập nhật để không thay số liệu mới hơn")
RETURN_SUPERSEDED = T("return_superseded", "warning", "Có phiếu mới hơn của cùng đơn vị",
                      "Bỏ qua: đơn vị {unit} có phiếu mới hơn trong lần tổng hợp này (tệp {newer}, {newer_stamp} "
                      "so với {this})")
RETURN_ROLLBACK = T("return_rollback", "warning", "Phiếu còn giá trị cũ",
                    "{item}, cột '{header}': phiếu vẫn ghi '{theirs}' như lúc nhận phiếu, trong khi sổ đã nhận "
                    "'{held}' từ đơn vị này - không lùi số liệu (nếu đơn vị thật sự muốn trả lại giá trị cũ, "
                    "sửa trực tiếp trong sổ)")

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
