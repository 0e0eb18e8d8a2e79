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
BAD_FILE = T("bad_file", "error", "Tệp hỏng",
             "Không mở được tệp Excel: tệp bị hỏng hoặc không phải tệp Excel .xlsx/.xlsm")
EXCEL_FORMAT = T("excel_format", "error", "Định dạng bảng tính không hỗ trợ",
                 "Không mở được tệp: định dạng '{suffix}' không được hỗ trợ - mở bằng Excel rồi lưu lại dưới dạng "
                 "Excel Workbook (.xlsx)")
FILE_NO_READ = T("file_no_read", "error", "Không có quyền đọc tệp",
                 "Không mở được tệp Excel: không có quyền đọc tệp (tệp đang bị chương trình khác khóa hoặc bị giới "
                 "hạn quyền truy cập)")

# ---------------------------------------------------------------- files: returned packages, safe writes
# (a returned file is size-checked before it is decompressed; every command writing the
# master goes through ``files.safeio.guarded_write``)
ZIP_BOMB = T("zip_bomb", "error", "Tệp nén bất thường",
             "Tệp bị từ chối trước khi giải nén: {why} (giới hạn {limit}). Tệp có thể hỏng hoặc là "
             "'bom nén'; đề nghị đơn vị mở phiếu bằng Excel, lưu lại rồi gửi lại")
SHEET_TOO_FAR = T("sheet_too_far", "error", "Có dữ liệu ở ô quá xa bảng",
                  "Trang '{sheet}' có dữ liệu ở {cells}, xa vùng bảng: phải đọc {rows} dòng × {columns} cột, "
                  "quá lớn để đọc. Hãy xóa nội dung ô đó (Ctrl+End đưa tới ô cuối có dữ liệu) rồi lưu lại")
SHEET_FULL = T("sheet_full", "error", "Trang của sổ đã hết dòng",
               "Trang '{sheet}' không còn đủ dòng: dòng cuối đang có dữ liệu là dòng {used}, cần ghi thêm "
               "{rows} dòng (tới dòng {last}), một trang Excel chỉ có {limit} dòng. Không ghi gì. Nếu dòng {used} "
               "là ô gõ nhầm, hãy xóa nó; nếu trang đã đầy, hãy chuyển các dòng cũ sang một tệp lưu trữ "
               "(sao chép ra tệp khác rồi xóa khỏi sổ), rồi chạy lại")
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
                 "Không ghi được tệp khi {action} (tệp đang mở trong Excel/Word, chỉ đọc, hoặc thư mục không cho "
                 "ghi): tệp không thay đổi. Đóng tệp hoặc kiểm tra quyền ghi rồi chạy lại")
WRITE_ABORTED = T("write_aborted", "error", "Không ghi được",
                  "Không ghi được tệp khi {action} ({why}): tệp không thay đổi")
ADDITIONS_WOULD_BE_LOST = T(
    "additions_would_be_lost", "error", "Sổ có nội dung cán bộ thêm",
    "Sổ có {what} do cán bộ thêm vào; {action} theo cách này sẽ làm mất chúng nên chưa ghi gì. {advice}")

# ---------------------------------------------------------------- tracking rows (validate and Tổng hợp alike)
# ``core.tracking_rules.row_issues`` is the one place these are decided (with progress_range,
# progress_fraction, done_progress, done_no_date, progress_not_done, date_not_done, date_future,
# date_before_year declared with the task rules); "{item}" names the row ("Nhiệm vụ III-03").
DATE_AFTER_YEAR = T("date_after_year", "error", "Ngày hoàn thành sau năm kế hoạch",
                    "{item}: ngày hoàn thành {date} sau năm kế hoạch {year}")
DATE_BEFORE_PLAN = T("date_before_plan", "warning", "Ngày hoàn thành trước ngày ban hành kế hoạch",
                     "{item}: ngày hoàn thành {date} trước ngày ban hành kế hoạch ({plan_date})")
TEXT_TOO_LONG = T("text_too_long", "error", "Văn bản quá dài cho một ô Excel",
                  "{item}: '{header}' dài {length} ký tự, quá giới hạn {limit} ký tự của một ô Excel - "
                  "không ghi; hãy rút gọn hoặc đính kèm tệp riêng")

# ---------------------------------------------------------------- Tổng hợp: what a return may not do
RETURN_DUPLICATE_ID = T("return_duplicate_id", "error", "Mã lặp lại trong phiếu",
                        "Mã {item} xuất hiện {count} lần trong phiếu (dòng {rows}): từ chối mọi dòng mang mã này")
RETURN_BASE_MISMATCH = T("return_base_mismatch", "error", "Giá trị gốc trong phiếu bị sửa",
                         "Giá trị gốc của {item} trong trang ẩn '_meta' của phiếu khác giá trị sổ đã gửi cho "
                         "đơn vị ({fields}): phiếu bị sửa - không cập nhật dòng này")
RETURN_STALE = T("return_stale", "error", "Phiếu cũ hơn phiếu đã tổng hợp",
                 "Phiếu cũ hơn phiếu đã tổng hợp của đơn vị {unit} ({this} so với {applied}, tệp {applied_file}): "
                 "không cập nhật để không thay số liệu mới hơn")
RETURN_SAVED_LATER = T("return_saved_later", "warning", "Thời điểm lưu phiếu sau thời điểm hiện tại",
                       "Tệp ghi là được lưu lúc {saved} (giờ Việt Nam), sau thời điểm hiện tại {clock}: đồng hồ máy "
                       "của đơn vị có thể sai - thời điểm này không được dùng để xếp phiếu mới, phiếu cũ")
RETURN_SUPERSEDED = T("return_superseded", "warning", "Có phiếu mới hơn của cùng đơn vị",
                      "Bỏ qua: đơn vị {unit} có phiếu mới hơn trong lần tổng hợp này (tệp {newer}, {newer_stamp} "
                      "so với {this})")
MASTER_CELL_ERROR = T("master_cell_error", "warning", "Ô của sổ có giá trị lỗi",
                      "{item}, cột '{header}': ô của sổ đang có giá trị lỗi {error} nên không biết giá trị trong sổ; "
                      "không ghi giá trị đơn vị {unit} gửi ({theirs}). Hãy gõ giá trị đúng vào ô đó rồi tổng hợp lại")
SPLIT_CELL_ERROR = T("split_cell_error", "warning", "Ô của sổ có giá trị lỗi",
                     "Ô có giá trị lỗi {error}: công cụ đọc như ô trống, phiếu đơn vị ghi giá trị mặc định cho ô "
                     "này. Hãy gõ giá trị đúng vào ô trong sổ; khi tổng hợp, giá trị đơn vị gửi cho ô này không được "
                     "ghi cho tới khi ô được sửa")
SPLIT_CELL_FORMULA = T("split_cell_formula", "warning", "Ô theo dõi của sổ có công thức",
                       "Ô theo dõi có công thức: phiếu đơn vị ghi giá trị công thức đang cho; khi tổng hợp, giá trị "
                       "đơn vị gửi cho ô này không ghi đè công thức (được báo để cán bộ tự cập nhật)")
MASTER_CELL_FORMULA = T("master_cell_formula", "warning", "Ô của sổ có công thức",
                        "{item}, cột '{header}': ô {cell} của sổ đang chứa công thức - không ghi giá trị "
                        "'{theirs}' của đơn vị {unit} đè lên công thức; nếu cần, hãy tự cập nhật ô này")
RETURN_ROLLBACK = T("return_rollback", "warning", "Phiếu còn giá trị cũ",
                    "{item}, cột '{header}': phiếu vẫn ghi '{theirs}' như lúc nhận phiếu, trong khi sổ đã nhận "
                    "'{held}' từ đơn vị này - không lùi số liệu (nếu đơn vị thật sự muốn trả lại giá trị cũ, "
                    "sửa trực tiếp trong sổ)")

# ---------------------------------------------------------------- Tổng hợp: the master, whole returned files
NO_MASTER = T("no_master", "error", "Không tìm thấy sổ tổng hợp", "Không tìm thấy sổ tổng hợp")
BAD_MASTER = T("bad_master", "error", "Sổ tổng hợp không mở được", "Không mở được sổ tổng hợp ({why})")
MASTER_UNSAFE = T("master_unsafe", "error", "Sổ tổng hợp có lỗi cần sửa trước",
                  "Không thể {action}: sổ tổng hợp có {count} lỗi cần sửa trước:\n{lines}{more}")
MASTER_CHANGED = T("master_changed", "error", "Sổ vừa bị thay đổi",
                   "Sổ tổng hợp vừa bị thay đổi trong lúc {action}: hãy lưu, đóng sổ rồi chạy lại")
RETURN_UNREADABLE = T("return_unreadable", "error", "Không đọc được phiếu", "Không đọc được tệp ({why})")
RETURN_DAMAGED = T("return_damaged", "error", "Phiếu bị hỏng", "Tệp bị hỏng, không đọc được ({why})")
RETURN_NOT_UNIT_BOOK = T("return_not_unit_book", "error", "Không phải phiếu đơn vị",
                         "Không phải phiếu đơn vị (thông tin ẩn 'kind' khác 'unit')")
RETURN_SCHEMA_VERSION = T("return_schema_version", "error", "Phiếu theo mẫu khác",
                          "Phiếu theo mẫu phiên bản {theirs}, phần mềm dùng mẫu {ours}: hãy dùng phiếu mới")
RETURN_OTHER_MASTER = T("return_other_master", "error", "Phiếu của xã hoặc năm khác",
                        "Phiếu của {commune} năm {year}, không phải của sổ {master_commune} năm {master_year}")
RETURN_UNKNOWN_UNIT = T("return_unknown_unit", "error", "Đơn vị của phiếu không có trong sổ",
                        "Đơn vị '{unit}' không có trong danh sách đơn vị của sổ tổng hợp")
RETURN_NAME_MISMATCH = T("return_name_mismatch", "error", "Tên tệp và phiếu khác đơn vị",
                         "Tên tệp ghi đơn vị {named} nhưng phiếu là của đơn vị {unit} (gửi nhầm tệp?)")
RETURN_ITEMS_NOT_SENT = T("return_items_not_sent", "error", "Phiếu có dòng sổ không gửi cho đơn vị",
                          "Phiếu ghi là của đơn vị {unit} (phiên bản {version}) nhưng có {count} dòng mà sổ không "
                          "gửi cho đơn vị này ({items}): tệp không phải phiếu đã gửi cho {unit} (phiếu của đơn vị "
                          "khác được đổi tên, hoặc trang '_meta' bị sửa) - không nhận tệp; đề nghị đơn vị gửi đúng "
                          "phiếu của mình")
RETURN_UNKNOWN_VERSION = T("return_unknown_version", "error", "Phiên bản phiếu không do sổ tạo",
                           "Phiếu mang phiên bản {version} - sổ tổng hợp chưa từng tạo phiếu phiên bản này "
                           "(phiếu của sổ khác?)")
RETURN_OLD_VERSION = T("old_version", "warning", "Phiếu tạo từ lần chia cũ",
                       "Phiếu tạo từ lần chia phiên bản {version}, sổ đã chia lại (phiên bản {latest}); "
                       "vẫn tổng hợp theo nguyên tắc đối chiếu 3 chiều")
RETURN_NO_SHEET = T("return_no_sheet", "error", "Phiếu thiếu trang",
                    "Thiếu trang '{sheet}' (trang bị xóa hoặc đổi tên)")
RETURN_MISSING_COLUMNS = T("return_missing_columns", "error", "Phiếu thiếu cột",
                           "Trang '{sheet}' thiếu cột: {columns}")
RETURN_REPEATED_COLUMN = T("return_repeated_column", "error", "Phiếu có hai cột cùng tên",
                           "Trang '{sheet}' có nhiều cột '{header}' (cột {columns}): không biết đơn vị điền vào cột "
                           "nào - không tổng hợp tệp này; đề nghị đơn vị xóa cột chép thêm rồi gửi lại")
RETURN_NO_HEADER = T("return_no_header", "error", "Phiếu không có dòng tiêu đề",
                     "Trang '{sheet}' không có dòng tiêu đề")
RETURN_FOREIGN_ONLY = T("return_foreign_only", "error", "Phiếu chỉ có nhiệm vụ của đơn vị khác",
                        "Phiếu chứa nhiệm vụ của đơn vị khác, không có nhiệm vụ nào của đơn vị {unit}")
RETURN_ALREADY_DONE = T("already_done", "info", "Phiếu đã tổng hợp", "Bỏ qua: {why}")
RETURN_AS_ISSUED = T("return_as_issued", "warning", "Tệp giống phiếu đã gửi đi",
                     "Chưa điền gì - giống phiếu đã gửi đi: các ô theo dõi như lúc Tạo phiếu và tệp chưa được "
                     "lưu lại lần nào từ đó (tệp đính kèm gửi đi, hoặc chép nhầm từ thư mục phiếu gửi đi) - "
                     "không tính là đơn vị {unit} đã gửi phiếu về")
RETURN_NO_CHANGE = T("return_no_change", "warning", "Phiếu gửi về không thay đổi gì",
                     "Đơn vị {unit} gửi về phiếu đã lưu lại nhưng không thay đổi ô theo dõi nào so với phiếu đã "
                     "gửi đi: tính là đã nhận (đơn vị không có gì mới để báo cáo?) - nếu đơn vị gửi nhầm tệp, đề "
                     "nghị gửi lại")
RETURN_SHEET_NOT_READ = T("return_sheet_not_read", "warning", "Trang của phiếu không được đọc",
                          "Trang '{sheet}' không được đọc: Tổng hợp chỉ đọc trang {read}. Nếu đơn vị ghi kết quả "
                          "vào trang này (ví dụ trang chép thêm), các kết quả đó chưa vào sổ - đề nghị đơn vị ghi "
                          "vào trang gốc rồi gửi lại")
RETURN_COLUMN_NOT_READ = T("return_column_not_read", "warning", "Cột của phiếu không được đọc",
                           "Trang '{sheet}', cột {column}{header} có nội dung không được đọc ({count} ô, đầu tiên là "
                           "ô {first}): Tổng hợp chỉ đọc các cột của bảng - nếu đó là kết quả, đề nghị đơn vị ghi "
                           "vào cột theo dõi (nền vàng) rồi gửi lại")
INBOX_SUBFOLDER_NOT_READ = T("inbox_subfolder_not_read", "warning", "Thư mục con không được đọc",
                             "Thư mục con '{folder}' không được đọc: có {count} tệp .xlsx/.xlsm ({names}). Nếu đó là "
                             "phiếu đơn vị gửi về, hãy chép các tệp ra thư mục phiếu gửi về rồi chạy lại")
INBOX_LOCK_FILE = T("inbox_lock_file", "warning", "Tệp khóa bị bỏ qua",
                    "Tệp khóa '{name}' bị bỏ qua (không phải phiếu): tệp '{workbook}' đang mở trong Excel/LibreOffice "
                    "ở máy nào đó, hoặc lần trước chương trình bị tắt đột ngột - nếu phiếu đang được sửa, lưu và "
                    "đóng nó rồi chạy lại")
OUTGOING_FOLDER = T("outgoing_folder", "error", "Thư mục là phiếu gửi đi",
                    "Cả {count} tệp trong '{folder}' đều giống phiếu đã gửi đi, chưa điền gì: có lẽ đây là thư "
                    "mục phiếu gửi đi (do Tạo phiếu ghi ra), không phải thư mục phiếu đơn vị gửi về. Không ghi gì "
                    "vào sổ; hãy chọn thư mục chứa các phiếu đơn vị gửi lại")
RETURN_EXTERNAL_LINKS = T("external_links", "warning", "Phiếu có liên kết ngoài", "{why}")

# ---------------------------------------------------------------- Tổng hợp: returned rows and cells
# (each rejects the row: nothing of it is applied; ``label`` is "Mã NV" or "Mã KP")
RETURN_ROW_DELETED = T("row_deleted", "warning", "Dòng bị xóa khỏi phiếu",
                       "Dòng của {item} đã bị xóa khỏi phiếu (đơn vị {unit}): không cập nhật")
RETURN_ROW_NO_ID = T("return_row_no_id", "error", "Dòng không có mã", "Dòng không có mã (dòng được chèn thêm?)")
RETURN_ROW_TWICE = T("return_row_twice", "error", "Mã xuất hiện hai lần",
                     "{label} {item} xuất hiện hai lần trong phiếu")
RETURN_ROW_UNKNOWN = T("return_row_unknown", "error", "Mã không có trong sổ",
                       "{label} {item} không có trong sổ tổng hợp")
RETURN_ROW_OTHER_UNIT = T("return_row_other_unit", "error", "Nhiệm vụ của đơn vị khác",
                          "{label} {item} không thuộc đơn vị {unit} (đơn vị chủ trì: {leads})")
RETURN_ROW_NOT_SENT = T("return_row_not_sent", "error", "Dòng không có trong phiếu gốc",
                        "{label} {item} không có trong phiếu gốc gửi đơn vị {unit} (dòng được chèn thêm?)")
RETURN_LOCKED_FORMULA = T("return_locked_formula", "error", "Ô bị khóa chứa công thức",
                          "Ô bị khóa '{header}' của {item} chứa công thức")
RETURN_LOCKED_CHANGED = T("return_locked_changed", "error", "Cột bị khóa đã bị sửa",
                          "Cột bị khóa của {item} đã bị sửa: {cells} - không cập nhật dòng này")
RETURN_CELL_FORMULA = T("return_cell_formula", "error", "Ô chứa công thức",
                        "Ô '{header}' của {item} chứa công thức")
RETURN_CELL_ERROR = T("return_cell_error", "error", "Ô chứa giá trị lỗi",
                      "Ô '{header}' của {item} chứa giá trị lỗi {error} của Excel (không phải một giá trị): "
                      "không cập nhật dòng này")
RETURN_CELL_INVALID = T("return_cell_invalid", "error", "Giá trị không hợp lệ",
                        "'{header}' của {item} không hợp lệ: {why}")
RETURN_DATE_AFTER_CUTOFF = T("return_date_after_cutoff", "error", "Ngày hoàn thành sau ngày số liệu",
                             "Ngày hoàn thành {date} của {item} sau ngày số liệu {as_of}")
RETURN_ROW_INVALID = T("return_row_invalid", "error", "Dòng có giá trị mâu thuẫn",
                       "{problems} - không cập nhật dòng này")
RETURN_PERCENT_READ = T("return_percent_read", "info", "Tiến độ nhập dạng phần trăm",
                        "{item}: ô Tiến độ định dạng phần trăm ({format}) lưu {stored}, hiển thị {shown}% - "
                        "đọc là tiến độ {shown}")
RETURN_CONFLICT = T("conflict", "warning", "Xung đột giữa sổ và phiếu",
                    "Xung đột ở {item}, cột '{header}': trong sổ là '{mine}', đơn vị {unit} gửi '{theirs}' "
                    "(lúc gửi phiếu: '{base}') - chưa cập nhật")
RETURN_CONFLICT_DERIVED = T("conflict_derived", "warning", "Xung đột giữa sổ và báo cáo các đơn vị",
                            "Xung đột ở {item}, cột '{header}': trong sổ là '{mine}', tính từ báo cáo của các đơn "
                            "vị chủ trì (sau phiếu của {unit}) là '{theirs}' (trước đó: '{base}') - chưa cập nhật; "
                            "báo cáo riêng của {unit} đã ghi vào trang 'Báo cáo đơn vị'")
RETURN_ROW_HELD = T("row_held", "warning", "Dòng chưa cập nhật vì có ô không ghi được",
                    "{item}: chưa ghi các ô đơn vị {unit} đã sửa - {cells} - vì ô {blocked} của dòng này có xung "
                    "đột hoặc không ghi được (một dòng không bao giờ chỉ được cập nhật một phần). Xử lý ô "
                    "{blocked} rồi tự cập nhật các ô trên theo phiếu (giá trị đơn vị gửi có trong trang "
                    "'Nhật ký'), hoặc đề nghị đơn vị gửi lại phiếu")

# ---------------------------------------------------------------- Tạo phiếu, reading a unit workbook
UNKNOWN_UNIT = T("unknown_unit", "error", "Đơn vị không có trong danh sách",
                 "Không có đơn vị '{unit}' trong danh sách đơn vị")
NO_LEAD_UNIT = T("no_lead_unit", "warning", "Nhiệm vụ chưa có đơn vị chủ trì",
                 "Nhiệm vụ {task} chưa xác định đơn vị chủ trì: không có trong phiếu nào")
NOTHING_TO_SPLIT = T("nothing_to_split", "error", "Không có phiếu nào để tạo",
                     "Không có đơn vị nào có nhiệm vụ để tạo phiếu (kiểm tra cột 'Mã đơn vị chủ trì')")
SPLIT_AS_OF_AFTER_CUTOFF = T("split_as_of_after_cutoff", "warning", "Ngày số liệu sau ngày chốt của kỳ",
                             "Ngày số liệu {as_of} ({source}) sau ngày chốt số liệu {cutoff} của kỳ {period}: các "
                             "phiếu ghi 'số liệu đến {as_of}', không phải đến ngày chốt kỳ. Nếu nhầm, hãy sửa "
                             "{fix} rồi tạo lại phiếu")
RETURN_XLS = T("xls", "error", "Định dạng Excel 97-2003",
               "Định dạng Excel 97-2003 (.xls) không được chấp nhận: hãy mở phiếu gốc (.xlsx) để cập nhật, "
               "hoặc lưu lại dạng .xlsx")
RETURN_CSV = T("csv", "error", "Tệp văn bản/CSV",
               "Tệp văn bản/CSV không phải phiếu đơn vị (phiếu phải là tệp .xlsx gửi kèm)")
NOT_EXCEL = T("not_excel", "error", "Không phải tệp Excel",
              "Không phải tệp Excel (.xlsx/.xlsm): đuôi tệp '{suffix}'")
EMPTY_FILE = T("empty_file", "error", "Tệp rỗng", "Tệp rỗng (0 byte): có thể tệp đính kèm bị lỗi khi tải về")
ENCRYPTED = T("encrypted", "error", "Tệp có mật khẩu",
              "Tệp được đặt mật khẩu mở: hãy gỡ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại")
RETURN_OLD_FORMAT = T("return_old_format", "error", "Định dạng cũ hoặc hỏng",
                      "Tệp là định dạng Excel cũ hoặc bị hỏng, không đọc được")
RETURN_NOT_ZIP = T("return_not_zip", "error", "Tệp hỏng hoặc không phải Excel",
                   "Tệp bị hỏng hoặc không phải tệp Excel, không đọc được")
NO_META = T("no_meta", "error", "Thiếu trang thông tin ẩn",
            "Không phải phiếu đơn vị: thiếu trang thông tin ẩn '_meta' (có thể tệp đã được sao chép sang sổ mới)")
NOT_UNIT_BOOK = T("not_unit_book", "error", "Không phải phiếu đơn vị", "Không phải phiếu đơn vị")
MASTER_AS_RETURN = T("master_as_return", "error", "Sổ tổng hợp gửi nhầm làm phiếu",
                     "Không phải phiếu đơn vị (đây là sổ tổng hợp)")
BAD_META = T("bad_meta", "error", "Trang '_meta' bị hỏng",
             "Trang '_meta' của phiếu bị hỏng (thiếu bảng dấu vân tay)")
MASTER_INFO_DAMAGED = T("master_info_damaged", "error", "Thông tin kế hoạch trong sổ bị hỏng",
                        "Thông tin kế hoạch (xã, tỉnh, năm) trong trang ẩn '_meta' của sổ {what}: không thể biết sổ "
                        "của xã nào, năm nào. Hãy khôi phục sổ từ bản sao lưu (thư mục sao_luu) hoặc tạo lại sổ")
MASTER_RETURNS_DAMAGED = T("master_returns_damaged", "error", "Bản ghi phiếu đã tổng hợp bị hỏng",
                           "Bản ghi phiếu đã tổng hợp của từng đơn vị (trang ẩn '_meta', khóa 'returns') bị sửa, "
                           "không đọc được: không thể biết phiếu nào mới hơn, phiếu cũ có thể thay số liệu mới. "
                           "Hãy khôi phục sổ từ bản sao lưu (thư mục sao_luu)")
MASTER_INDEX_YEARS_DAMAGED = T("master_index_years_damaged", "error", "Điểm chỉ số các năm trong sổ bị hỏng",
                               "Điểm Chỉ số CCHC các năm lưu trong sổ (trang ẩn '_meta', khóa 'chi_so_cac_nam') bị "
                               "sửa, không đọc được: nhập tiếp sẽ làm mất điểm các năm trước. Không ghi gì. Hãy khôi "
                               "phục sổ từ bản sao lưu (thư mục sao_luu) rồi nhập lại")
MASTER_BASES_DAMAGED = T("master_bases_damaged", "warning", "Bản ghi giá trị gốc trong sổ bị hỏng",
                         "{count} bản ghi giá trị gốc (trang ẩn '_meta', cột G) bị sửa, không đọc được: các mục đó "
                         "được đối chiếu theo Nhật ký và giá trị gốc phiếu ghi - nên khôi phục sổ từ bản sao lưu "
                         "(thư mục sao_luu)")
BAD_META_BASE = T("bad_meta_base", "error", "Giá trị gốc trong '_meta' bị hỏng",
                  "Trang '_meta' của phiếu bị hỏng (giá trị gốc của {item})")

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

REMINDER_WITHOUT_FORM = T("reminder_without_form", "warning", "Thư nhắc không kèm được phiếu",
                          "Đơn vị '{unit}' ({code}): {why} nên thư nhắc không kèm được phiếu (thư nhắc vẫn được "
                          "{done}); để kèm phiếu, để đúng một phiếu kỳ {period} của đơn vị vào thư mục rồi chạy lại "
                          "cho đơn vị này")
NEW_FORM_NEEDED = T("new_form_needed", "info", "Cần gửi đơn vị phiếu mới",
                    "Đơn vị {unit}: cả tệp đã gửi bị từ chối, không sửa được bằng cách sửa ô - tạo phiếu mới cho "
                    "đơn vị này (cchc-xl tao-phieu {master} --ky \"{period}\" --don-vi {unit}) rồi gửi kèm thư")

# ---------------------------------------------------------------- e-mail (gui-email): drafts, SMTP, attachments
DUE_BEFORE_PERIOD = T("due_before_period", "warning", "Hạn gửi lại trước kỳ báo cáo",
                      "Hạn gửi lại {due} ở trước cả kỳ {period} (bắt đầu {start}): kiểm tra lại năm, tháng của --han "
                      "trước khi gửi - các đơn vị sẽ bị tính là quá hạn ngay")
NO_ATTACHMENT = T("no_attachment", "error", "Không tìm thấy tệp đính kèm", "Không tìm thấy tệp đính kèm")
BAD_EMAIL = T("bad_email", "error", "Email đơn vị không hợp lệ",
              "Đơn vị '{unit}' ({code}): địa chỉ email '{address}' không hợp lệ{fix}")
NO_EMAIL = T("no_email", "error", "Đơn vị chưa có email", "Đơn vị '{unit}' ({code}): chưa có địa chỉ email{fix}")
BAD_SENDER = T("bad_sender", "error", "Người gửi không hợp lệ", "Người gửi: địa chỉ email '{address}' không hợp lệ")
SENDER_NOT_ONE = T("sender_not_one", "error", "Người gửi nhiều địa chỉ",
                   "Người gửi chỉ được có một địa chỉ email (đang có {count})")
BAD_REPLY_TO = T("bad_reply_to", "error", "Địa chỉ nhận trả lời không hợp lệ",
                 "Địa chỉ nhận trả lời: địa chỉ email '{address}' không hợp lệ")
DUPLICATE_FILES = T("duplicate_files", "error", "Một đơn vị có nhiều tệp phiếu",
                    "Đơn vị '{unit}' ({code}) có {count} tệp phiếu: {names}; chỉ để lại một tệp rồi chạy lại")
UNIT_WITHOUT_FILE = T("unit_without_file", "warning", "Đơn vị không có tệp phiếu",
                      "Đơn vị '{unit}' ({code}) không có tệp phiếu trong thư mục; không gửi thư")
NOT_UNIT_WORKBOOK = T("not_unit_workbook", "error", "Tệp không phải phiếu đơn vị",
                      "Tệp không phải phiếu đơn vị (loại '{kind}'), không gửi")
UNIT_CODE_MISMATCH = T("unit_code_mismatch", "error", "Mã đơn vị trong tệp khác tên tệp",
                       "Mã đơn vị trong dữ liệu ẩn của tệp (trang '{meta_sheet}') là '{meta_code}' nhưng tên tệp "
                       "ghi '{name_code}'; không gửi để tránh gửi nhầm đơn vị")
PERIOD_MISMATCH = T("period_mismatch", "error", "Tệp là phiếu kỳ khác",
                    "Tệp là phiếu kỳ '{theirs}', không phải kỳ '{period}'; không gửi")
ALREADY_MAILED = T("already_mailed", "info", "Đơn vị đã được gửi thư",
                   "Đơn vị '{unit}' ({code}) đã được gửi thư kỳ {period} ngày {day} (cột 'Ngày gửi thư' của trang "
                   "'Tình hình gửi phiếu'); lần này không gửi lại. Muốn gửi lại thì thêm --gui-lai (kèm "
                   "--don-vi {code} để chỉ gửi đơn vị này)")
OLD_DRAFTS_MOVED = T("old_drafts_moved", "info", "Đã cất thư nháp cũ",
                     "Đã chuyển {count} thư nháp cũ kỳ {period} của các đơn vị này vào thư mục '{folder}' ({names}) "
                     "để mỗi đơn vị chỉ còn một thư nháp, theo lần chạy này")
# a form checked against the master before it is sent (``mail.attachments.IssuedBy``), as Tổng hợp
# checks what comes back
FORM_OTHER_MASTER = T("form_other_master", "error", "Phiếu do sổ khác tạo",
                      "Phiếu do sổ của {commune} năm {year} tạo, không phải sổ này ({master_commune} năm "
                      "{master_year}); không gửi: tạo phiếu từ sổ này (cchc-xl tao-phieu) rồi gửi")
FORM_SUPERSEDED = T("form_superseded", "error", "Phiếu đã được thay thế",
                    "Phiếu phiên bản {version} của đơn vị '{unit}' ({code}) đã được thay thế bằng phiếu phiên bản "
                    "{latest} (trang 'Tình hình gửi phiếu' của sổ); không gửi phiếu cũ: gửi phiếu phiên bản {latest} "
                    "(thư mục của lần tạo phiếu mới nhất)")
FORM_VERSION_NOT_ISSUED = T("form_version_not_issued", "error", "Phiếu không phải phiên bản đã phát hành",
                            "Phiếu phiên bản {version} của đơn vị '{unit}' ({code}) không phải phiếu sổ đã phát hành "
                            "cho đơn vị này (trang 'Tình hình gửi phiếu' ghi phiên bản {latest}); không gửi: gửi "
                            "phiếu phiên bản {latest}")
FILE_WITHOUT_UNIT = T("file_without_unit", "error", "Không xác định được đơn vị của tệp",
                      "Không xác định được đơn vị của tệp: mã '{code}' không có trong trang '{units_sheet}' của "
                      "sổ tổng hợp")
FILE_NAME_UNPARSED = T("file_name_unparsed", "error", "Tên tệp không theo mẫu",
                       "Không xác định được đơn vị của tệp: tên tệp không theo mẫu <stt>_<MÃ>_<tên>_<kỳ>.xlsx và "
                       "tệp không có dữ liệu ẩn '_meta'")
# the SMTP connection failing after it worked ("{where}": host:port); see ``mail.smtp.explain_smtp_error``
SMTP_TIMEOUT_SENDING = T("smtp_timeout_sending", "error", "Máy chủ thư trả lời quá chậm",
                         "Hết thời gian chờ ({timeout} giây) máy chủ thư {where} trả lời khi gửi thư này (đã kết nối "
                         "được máy chủ, nên không phải do sai cổng hay chế độ bảo mật). Máy chủ hoặc đường "
                         "mạng đang chậm: tăng thời gian chờ (thoi_gian_cho trong tệp cấu hình thư, ví dụ 120) rồi gửi "
                         "lại. Thư này có thể đã đến nơi dù máy chủ chưa kịp xác nhận: hỏi đơn vị trước khi gửi lại")
SMTP_DROPPED_AFTER = T("smtp_dropped_after", "error", "Máy chủ thư ngắt kết nối giữa chừng",
                       "Máy chủ thư {where} ngắt kết nối giữa chừng sau khi đã nhận {sent} thư với cùng cấu hình "
                       "(không phải do sai cổng hay chế độ bảo mật). Máy chủ có thể giới hạn số thư gửi mỗi lần "
                       "hoặc mỗi giờ: chờ một lúc rồi gửi lại các thư chưa gửi được")
SMTP_DROPPED_SENDING = T("smtp_dropped_sending", "error", "Máy chủ thư ngắt kết nối khi nhận thư",
                         "Máy chủ thư {where} ngắt kết nối khi đang nhận thư này (đã kết nối được máy chủ, "
                         "nên không phải do sai cổng hay chế độ bảo mật): thư có thể quá lớn hoặc bị bộ lọc "
                         "của máy chủ chặn. Gửi lại sau; nếu vẫn lỗi, hỏi người quản trị máy chủ thư")
SMTP_LOGIN_NOT_ASCII = T("smtp_login_not_ascii", "error", "Mật khẩu thư có chữ có dấu",
                         "{what} thư điện tử có chữ có dấu nên không đăng nhập được máy chủ thư {where}: máy chủ "
                         "thư chỉ nhận chữ không dấu. Nếu đã gõ khi bộ gõ tiếng Việt (Unikey, EVKey) đang bật, "
                         "chuyển bộ gõ sang chế độ tiếng Anh (E) rồi nhập lại; nếu đúng là có chữ có dấu, đổi sang "
                         "chữ không dấu (mật khẩu: đổi trên trang quản lý hộp thư) rồi đặt lại ở biến môi trường, "
                         "tệp cấu hình thư hoặc khi được hỏi")
BAD_SECURITY = T("bad_security", "error", "Chế độ bảo mật không hợp lệ",
                 "Chế độ bảo mật '{security}' không hợp lệ (starttls, ssl hoặc none)")
NO_MAIL_CONFIG = T("no_config", "error", "Không tìm thấy tệp cấu hình thư", "Không tìm thấy tệp cấu hình thư")
MAIL_CONFIG_SYNTAX = T("mail_config_syntax", "error", "Tệp cấu hình thư sai cú pháp",
                       "Tệp cấu hình thư sai cú pháp{line}")
BAD_MAIL_CONFIG = T("bad_config", "error", "Cấu hình thư có giá trị sai",
                    "Tệp cấu hình thư có giá trị không hợp lệ: {errors}")
MAIL_CONFIG_SUFFIX = T("mail_config_suffix", "error", "Đuôi tệp cấu hình thư",
                       "Tệp cấu hình thư phải có đuôi .toml, .ini hoặc .json")
MAIL_CONFIG_NOT_TABLE = T("mail_config_not_table", "error", "Cấu hình thư không phải bảng",
                          "Tệp cấu hình thư phải là một bảng khóa = giá trị")

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
MONTH_DATE_READ = T("month_date_read", "info", "Ngày chỉ hiện tháng",
                    "Ô chứa ngày {date} nhưng định dạng '{format}' chỉ hiện tháng và năm: đã đọc là '{text}' "
                    "(hạn là ngày cuối tháng, như khi gõ chữ).")
MERGED_APPLIED = T("merged_applied", "info", "Ô gộp dùng chung",
                   "Ô gộp cột '{column}' ('{value}') dùng chung cho {count} nhiệm vụ: {ids}.")
UNIT_PART_UNKNOWN = T("unit_part_unknown", "warning", "Đơn vị không nhận ra",
                      "Cột '{column}' của nhiệm vụ {task}: không nhận ra đơn vị {names}. "
                      "Hãy sửa tên hoặc thêm vào cột 'Tên gọi khác' ở trang 'Đơn vị'.")
YEAR_ASSUMED = T("year_assumed", "warning", "Không rõ năm kế hoạch",
                 "Phụ lục không ghi năm kế hoạch (không có 'NĂM ...' ở tiêu đề, ngày ban hành hay năm ở cột "
                 "'Thời gian hoàn thành'): đã lấy năm {year} (năm hiện tại) làm năm kế hoạch và năm của các thời "
                 "hạn không ghi năm. Nếu sai, hãy nhập lại với tùy chọn --nam, ví dụ --nam {example}.")
MISSING_COLUMN = T("missing_column", "warning", "Phụ lục thiếu cột", "Bảng phân công không có cột '{column}'.")
# which time column is the deadline (``importers.appendix.table.deadline_choice``); ``why`` says
# what the skipped column is ("ngày bắt đầu", "tiến độ", "thời gian thực hiện")
DEADLINE_COLUMN_AMBIGUOUS = T("deadline_column_ambiguous", "warning", "Hai cột có thể là thời gian hoàn thành",
                              "Cả cột '{taken}' và cột {rivals} đều có thể là thời gian hoàn thành: đã lấy "
                              "cột '{taken}'. Hãy kiểm tra cột 'Hạn (ngày)' sau khi nhập, hoặc sửa tiêu đề cột "
                              "trong phụ lục (chỉ để một cột 'Thời gian hoàn thành') rồi nhập lại.")
DEADLINE_COLUMN_SKIPPED = T("deadline_column_skipped", "info", "Cột thời gian không dùng làm hạn",
                            "Cột '{column}' ({why}) không được dùng làm thời gian hoàn thành{taken}.")
DEADLINE_COLUMN_GUESSED = T("deadline_column_guessed", "warning", "Hạn lấy từ cột tiến độ",
                            "Bảng phân công không có cột 'Thời gian hoàn thành' hay 'Thời hạn': đã lấy cột "
                            "'{column}' làm thời gian hoàn thành. Hãy kiểm tra cột 'Hạn (ngày)' sau khi nhập.")
SECTION_UNKNOWN_AREA = T("section_unknown_area", "warning", "Phần không rõ lĩnh vực",
                         "Không nhận ra lĩnh vực chỉ số CCHC của phần {roman} '{name}'; tạm xếp vào lĩnh vực {area}. "
                         "Hãy kiểm tra cột 'Lĩnh vực' sau khi nhập.")
SECTION_FROM_NUMBER = T("section_from_number", "info", "Tiêu đề phần đánh số",
                        "Dòng '{tt}. {name}' chỉ có số và tên một lĩnh vực CCHC: đọc là tiêu đề phần {roman}, "
                        "không phải nhiệm vụ.")
SECTION_STRAY = T("section_stray", "warning", "Giá trị thừa ở dòng tiêu đề phần",
                  "Dòng tiêu đề phần {roman} ({name}) có thêm giá trị '{value}' không thuộc nhiệm vụ nào: đã bỏ "
                  "qua, hãy kiểm tra lại bản gốc.")
NUMBER_ONLY_ROW = T("number_only_row", "warning", "Dòng chỉ có số TT",
                    "Dòng chỉ có số TT '{tt}', không có nội dung nhiệm vụ: đã bỏ qua.")
# ``numbered`` is " có số TT '3' nhưng" when the row has a number, else ""
EMPTY_TASK = T("empty_task", "warning", "Nhiệm vụ không có nội dung",
               "Dòng{numbered} không có nội dung nhiệm vụ (cột '{column}' trống). Hãy bổ sung nội dung cho "
               "nhiệm vụ {task}.")
COLUMNS_REALIGNED = T("columns_realigned", "warning", "Dòng thiếu cột đã căn lại",
                      "Dòng chỉ có {count}/{ncols} cột; đã căn lại các cột {how} (coi như thiếu cột {names}). "
                      "Hãy kiểm tra nhiệm vụ {task}.")
NO_SECTION = T("no_section", "warning", "Nhiệm vụ trước dòng tiêu đề phần",
               "Nhiệm vụ đứng trước mọi dòng tiêu đề phần (I, II, ...): tạm xếp vào lĩnh vực 1 (Chỉ đạo, điều "
               "hành). Hãy kiểm tra cột 'Lĩnh vực'.")
NO_NUMBER = T("no_number", "info", "Nhiệm vụ không có số TT",
              "Nhiệm vụ {task} không có số thứ tự (cột 'TT' trống) trong phụ lục.")
NUMBERING_GAP = T("numbering_gap", "info", "Số TT nhảy cóc",
                  "Số TT nhảy từ {prev} lên {num} trong phần {section}: có thể thiếu nhiệm vụ số {missing} hoặc "
                  "nhiệm vụ đó mất số TT.")
NUMBERED_PRODUCT = T("numbered_product", "info", "Sản phẩm có số TT",
                     "Dòng có số TT '{tt}' nhưng cột '{column}' trống: coi là sản phẩm tiếp theo của nhiệm vụ ở "
                     "dòng trên (ô gộp trong bản gốc), mã {task}.")
CONTINUATION_JOINED = T("continuation_joined", "info", "Dòng nối tiếp",
                        "Dòng không có số TT và bắt đầu bằng chữ thường: coi là phần tiếp theo (sang trang) của "
                        "nhiệm vụ {task} và đã nối vào.")
ORPHAN_ROW = T("orphan_row", "warning", "Dòng không thuộc nhiệm vụ nào",
               "Dòng chỉ có cột {columns} và không thuộc nhiệm vụ nào: đã bỏ qua.")
TRAILING_FILLED = T("trailing_filled", "warning", "Ô tách dòng đã điền",
                    "Dòng chỉ có cột '{column}' = '{value}': đã điền vào nhiệm vụ {task} ở trên (ô bị tách sang "
                    "dòng riêng trong bản gốc). Hãy kiểm tra lại.")
TRAILING_CONFLICT = T("trailing_conflict", "warning", "Ô tách dòng mâu thuẫn",
                      "Dòng chỉ có cột '{column}' = '{value}' nhưng nhiệm vụ {task} ở trên đã có '{existing}': đã "
                      "bỏ qua giá trị này, hãy kiểm tra lại.")
MILESTONE_PASSED = T("milestone_passed", "warning", "Đã qua mốc",
                     "Nhiệm vụ {task} ({status}): đã qua mốc '{label}' hạn {due} (ngày số liệu {as_of}) mà "
                     "nhiệm vụ chưa hoàn thành. Hãy kiểm tra mốc này đã làm chưa.")

# ---------------------------------------------------------------- files (open, read, folders)
IS_DIR = T("is_dir", "error", "Thư mục thay vì tệp",
           "'{path}' là thư mục, không phải tệp {kind} - hãy ghi cả tên tệp {kind} ({suffix})")
NO_FILE_NAMED = T("no_file_named", "error", "Không tìm thấy tệp (có tên loại tệp)", "Không tìm thấy tệp {what}")
FILE_NOT_FOUND = T("file_not_found", "error", "Không tìm thấy tệp nguồn", "Không tìm thấy tệp '{path}'.")
FILE_UNREADABLE = T("file_unreadable", "error", "Không đọc được tệp", "Không đọc được tệp '{path}': {why}.")
NOT_TEXT_FILE = T("not_text_file", "error", "Tệp không phải văn bản",
                  "Tệp '{name}' không phải tệp văn bản (có thể bị hỏng hoặc đặt sai đuôi).")
BAD_DOCUMENT = T("bad_document", "error", "Tệp Word/Excel hỏng",
                 "Tệp '{name}' bị hỏng hoặc không phải tệp {kind} hợp lệ.")
UNSUPPORTED_FORMAT = T("unsupported_format", "error", "Định dạng không hỗ trợ",
                       "Không nhập được tệp '{name}': định dạng '{suffix}' không được hỗ trợ. Hãy dùng tệp "
                       "Word (.docx), Excel (.xlsx, .xlsm) hoặc văn bản phân cách bằng Tab (.tsv, .txt).{hint}")
FILE_TYPE = T("bad_file_type", "error", "Loại tệp không hỗ trợ",
              "Không hỗ trợ loại tệp '{suffix}' cho {what} (dùng {accepted})")
TEXT_NOT_UTF8 = T("text_not_utf8", "error", "Tệp văn bản không phải UTF-8",
                  "Tệp văn bản không mã hóa UTF-8: hãy mở tệp và lưu lại với bảng mã UTF-8 rồi chạy lại")
LEGACY_ENCODING = T("legacy_encoding", "warning", "Bảng mã cũ",
                    "Tệp không mã hóa UTF-8; đã đọc theo bảng mã Windows-1258. Nếu chữ tiếng Việt bị lỗi, "
                    "hãy lưu lại tệp với mã UTF-8.")
NO_INBOX = T("no_inbox", "error", "Không có thư mục phiếu nhận về",
             "Không tìm thấy thư mục phiếu nhận về '{path}' - tạo thư mục và chép các phiếu đơn vị gửi lại vào đó")

# ---------------------------------------------------------------- reading the master (records)
MISSING_SHEET = T("missing_sheet", "error", "Thiếu trang", "Thiếu trang '{name}' - đây không phải sổ tổng hợp CCHC")
UNIT_BOOK_AS_MASTER = T("unit_book_as_master", "error", "Phiếu đơn vị chọn nhầm làm sổ tổng hợp",
                        "Đây là phiếu đơn vị {unit} ({period}) do Tạo phiếu gửi đi, không phải sổ tổng hợp CCHC: "
                        "hãy chọn sổ tổng hợp (tệp đã dùng để tạo phiếu). Không ghi gì vào tệp này")
SHEET_NOT_FOUND = T("sheet_not_found", "error", "Không tìm thấy trang", "Không tìm thấy trang '{name}'")
NO_HEADER = T("no_header", "error", "Không thấy dòng tiêu đề", "Không tìm thấy dòng tiêu đề {expected}")
MISSING_COLUMNS = T("missing_columns", "error", "Thiếu cột", "Thiếu cột: {columns}")
BAD_CELL = T("bad_cell", "error", "Ô không đọc được", "{column}: {why}")
# one type per reason a cell cannot be read (raised by the parsers as ``core.text.CellValueError``;
# numbers are "not_a_number", declared with the worksheet functions); "bad_cell" for other reasons
BAD_DATE = T("bad_date", "error", "Ngày không hợp lệ", "{column}: '{value}' không phải ngày hợp lệ (dạng dd/mm/yyyy)")
# the two reasons the formulas of "Tổng quan" read a cell differently (``records.formula_mismatch``)
STATUS_SPELLING = T("status_spelling", "warning", "Trạng thái viết khác danh sách",
                    "{column}: '{value}' được hiểu là '{status}' nhưng viết khác giá trị chuẩn (cách viết khác, "
                    "khoảng trắng thừa hoặc bảng mã dấu khác); hãy chọn lại từ danh sách để trang '{dashboard}' "
                    "tính đúng")
DATE_AS_TEXT = T("date_as_text", "warning", "Ngày nhập dạng văn bản",
                 "{column}: '{value}' đang là văn bản, không phải ngày - công thức trang '{dashboard}' không tính "
                 "được; hãy nhập lại ô dưới dạng ngày (dd/mm/yyyy)")
# "Ngày số liệu" of "Tổng quan" (workbook name NgaySoLieu) is not a date the formulas can use
# ({what}: "đang trống", "là '30/02/2025' - không phải ngày hợp lệ", "là '14/06/2025' nhập dạng văn bản")
AS_OF_NOT_DATE = T("as_of_not_date", "error", "Ngày số liệu không phải ngày",
                   "Ô 'Ngày số liệu' {what}: các công thức trang '{dashboard}' không tính được số liệu theo ô "
                   "này. Hãy nhập lại ô dưới dạng ngày (dd/mm/yyyy, ví dụ 14/06/2025) rồi lưu sổ, hoặc chạy lệnh "
                   "với --ngay dd/mm/yyyy")
BAD_UNIT = T("bad_unit", "error", "Đơn vị không hợp lệ", "Đơn vị không hợp lệ: {why}")
DUPLICATE_UNIT_CODE = T("duplicate_unit_code", "warning", "Mã đơn vị ghi lặp",
                        "{column}: '{value}' ghi mã {codes} nhiều lần - nhiệm vụ chỉ được tính một lần cho mỗi "
                        "đơn vị; hãy xóa mã lặp")
MISSING_ID = T("missing_id", "error", "Thiếu mã", "Thiếu mã {kind}")
DUPLICATE_ID = T("duplicate_id", "error", "Mã bị trùng", "Mã {kind} '{id}' bị trùng{first}")
BAD_AREA = T("bad_area", "error", "Tên lĩnh vực không hợp lệ", "Lĩnh vực '{value}' không thuộc 8 lĩnh vực CCHC")
BAD_AREA_NUMBER = T("bad_area_number", "error", "Số lĩnh vực không hợp lệ", "Lĩnh vực phải là số từ 1 đến 8")
MISSING_MAX_POINTS = T("missing_max_points", "error", "Thiếu điểm tối đa", "Lĩnh vực {area}: thiếu điểm tối đa")

# ---------------------------------------------------------------- master checks (validate): tasks and remediation
NO_TASKS = T("no_tasks", "warning", "Sổ chưa có nhiệm vụ",
             "Sổ chưa có nhiệm vụ nào: hãy nhập phụ lục phân công nhiệm vụ (lệnh khoi-tao --tu-tep) hoặc "
             "điền trang 'Phân công'")
NO_UNITS = T("no_units", "warning", "Chưa có danh sách đơn vị",
             "Chưa có danh sách đơn vị (trang 'Đơn vị'): không kiểm tra được đơn vị chủ trì")
PROGRESS_RANGE = T("progress_range", "error", "Tiến độ ngoài 0-100",
                   "{item}: tiến độ {progress}% nằm ngoài khoảng 0-100")
PROGRESS_FRACTION = T("progress_fraction", "warning", "Tiến độ nhập dạng phân số",
                      "{item}: tiến độ {progress}% rất nhỏ: có phải {percent}%? (cột này nhập số từ 0 đến 100)")
DONE_PROGRESS = T("done_progress", "error", "Hoàn thành nhưng tiến độ chưa đủ",
                  "{item}: trạng thái 'Đã hoàn thành' nhưng tiến độ chỉ {progress}%")
DONE_NO_DATE = T("done_no_date", "warning", "Hoàn thành nhưng thiếu ngày",
                 "{item}: trạng thái 'Đã hoàn thành' nhưng chưa có ngày hoàn thành")
PROGRESS_NOT_DONE = T("progress_not_done", "warning", "Tiến độ 100% nhưng chưa hoàn thành",
                      "{item}: tiến độ 100% nhưng trạng thái là '{status}'")
DATE_NOT_DONE = T("date_not_done", "warning", "Có ngày hoàn thành nhưng chưa hoàn thành",
                  "{item}: có ngày hoàn thành {date} nhưng trạng thái là '{status}'")
DATE_FUTURE = T("date_future", "error", "Ngày hoàn thành ở tương lai",
                "{item}: ngày hoàn thành {date} sau ngày kiểm tra {as_of}")
DATE_BEFORE_YEAR = T("date_before_year", "error", "Ngày hoàn thành trước kỳ kế hoạch",
                     "{item}: ngày hoàn thành {date} trước kỳ kế hoạch (bắt đầu {start})")
FORMULA_INJECTION = T("formula_injection", "error", "Nghi ngờ công thức độc hại",
                      "{item}: ô chứa '{value}' - nghi ngờ công thức độc hại; xóa hoặc thêm dấu nháy đơn (') "
                      "ở đầu")
OVERDUE = T("overdue", "warning", "Quá hạn", "{item}: quá hạn {days} ngày (hạn {due})")
MISSING_LEAD = T("missing_lead", "error", "Thiếu đơn vị chủ trì", "{item}: chưa có đơn vị chủ trì")
UNKNOWN_UNIT_CODE = T("unknown_unit_code", "error", "Mã đơn vị không có",
                      "{item}: mã đơn vị '{codes}' không có trong trang 'Đơn vị'")
UNKNOWN_LEAD = T("unknown_lead", "error", "Không nhận ra đơn vị chủ trì",
                 "{item}: không nhận ra đơn vị chủ trì {names} - thêm vào cột 'Tên gọi khác' ở trang 'Đơn vị' "
                 "hoặc điền 'Mã đơn vị chủ trì'")
LEAD_UNITS_MISSING = T("lead_units_missing", "warning", "Chưa điền mã đơn vị chủ trì",
                       "{item}: chưa điền mã đơn vị chủ trì (theo tên: {codes})")
MISSING_DUE = T("missing_due", "warning", "Chưa có hạn",
                "{item}: chưa có thời gian hoàn thành và hạn (ngày)")
MISSING_DUE_SUGGESTED = T("missing_due_suggested", "warning", "Chưa có hạn (gợi ý từ thời gian hoàn thành)",
                          "{item}: chưa có hạn (ngày); theo thời gian hoàn thành '{text}' là {due}")
DEADLINE_UNPARSED = T("deadline_unparsed", "warning", "Không hiểu thời gian hoàn thành",
                      "{item}: không xác định được hạn từ '{text}'; nhiệm vụ sẽ không được tính quá hạn cho đến "
                      "khi nhập cột '{due_column}'")

# ---------------------------------------------------------------- master checks (validate): index scores
NEGATIVE_POINTS = T("negative_points", "error", "Điểm âm", "{item}: {what} âm ({value})")
APPRAISED_GT_MAX = T("appraised_gt_max", "error", "Điểm thẩm định lớn hơn tối đa",
                     "{item}: điểm thẩm định {appraised} lớn hơn điểm tối đa {max}")
DEDUCTION_GT_MAX = T("deduction_gt_max", "error", "Điểm bị trừ lớn hơn tối đa",
                     "{item}: điểm bị trừ {deducted} lớn hơn điểm tối đa {max}")
DEDUCTION_MISMATCH = T("deduction_mismatch", "error", "Điểm bị trừ không khớp",
                       "{item}: điểm bị trừ ghi {deducted} nhưng điểm tối đa {max} - điểm thẩm định {appraised} "
                       "= {expected}")
DUPLICATE_AREA = T("duplicate_area", "error", "Lĩnh vực lặp", "{item} có {count} dòng điểm lĩnh vực")
CRITERION_NO_DEDUCTION = T("criterion_no_deduction", "warning", "Tiêu chí chưa ghi điểm bị trừ",
                           "{item}: chưa ghi số điểm bị trừ (hoặc điểm tối đa) - không kiểm tra được")
AREA_SUM_INCOMPLETE = T("area_sum_incomplete", "warning", "Tổng tiêu chí chưa đủ",
                        "{item}: tổng điểm bị trừ của {known} tiêu chí có ghi số là {sum}, ít hơn điểm bị trừ "
                        "của lĩnh vực {total}; phần chênh lệch {diff} chưa rõ thuộc {unknown} tiêu chí chưa "
                        "ghi số")
AREA_SUM_MISMATCH = T("area_sum_mismatch", "error", "Tổng tiêu chí khác lĩnh vực",
                      "{item}: tổng điểm bị trừ của {count} tiêu chí là {sum}, khác điểm bị trừ của lĩnh vực "
                      "{total} (chênh lệch {diff})")
DUPLICATE_CRITERION = T("duplicate_criterion", "warning", "Tiêu chí lặp",
                        "{area}: tiêu chí '{criterion}' bị lặp ({where}) - kiểm tra lại")
AREA_MISSING = T("area_missing", "warning", "Thiếu lĩnh vực", "Thiếu điểm của {area}")
TOTAL_MAX = T("total_max", "warning", "Tổng điểm tối đa khác 100",
              "Tổng điểm tối đa của các lĩnh vực là {total}, không phải 100")
TOTAL_DEDUCTION = T("total_deduction", "warning", "Tổng điểm bị trừ không khớp",
                    "Tổng điểm bị trừ các lĩnh vực là {deducted} nhưng tổng điểm tối đa - tổng điểm thẩm định "
                    "= {expected}")
NO_REMEDIATION = T("no_remediation", "warning", "Chưa có nội dung khắc phục",
                   "{area} bị trừ {deducted} điểm nhưng chưa có nội dung khắc phục (trang '{target}')")
REMEDIATION_NOT_DEDUCTED = T("remediation_not_deducted", "info", "Khắc phục nơi không bị trừ điểm",
                             "{item}: {what} không bị trừ điểm")
REMEDIATION_UNKNOWN_CRITERION = T("remediation_unknown_criterion", "info", "Tiêu chí khắc phục không có",
                                  "{item}: tiêu chí '{criterion}' không có trong danh sách tiêu chí bị trừ điểm "
                                  "của {area}")
REMEDIATION_DEDUCTION = T("remediation_deduction", "warning", "Điểm bị trừ khác trang chỉ số",
                          "{item}: điểm bị trừ ghi {deducted}, khác trang '{target}' ({expected})")

# ---------------------------------------------------------------- reporting periods
BAD_PERIOD = T("bad_period", "error", "Không hiểu kỳ báo cáo",
               "Không hiểu kỳ báo cáo '{raw}'. Ví dụ hợp lệ: {examples}")
BAD_PERIOD_KIND = T("bad_period_kind", "error", "Loại kỳ không hợp lệ",
                    "Loại kỳ báo cáo '{kind}' không hợp lệ (chỉ có Q1, 6T, Q3, NAM)")
PERIOD_EMPTY = T("period_empty", "error", "Chưa nhập kỳ", "Chưa nhập kỳ báo cáo. Ví dụ: {examples}")
PERIOD_MANY_YEARS = T("period_many_years", "error", "Kỳ có nhiều năm", "Kỳ báo cáo '{raw}' có nhiều năm khác nhau")
PERIOD_NO_YEAR = T("period_no_year", "error", "Kỳ thiếu năm", "Kỳ báo cáo '{raw}' thiếu năm. Ví dụ: {examples}")
PERIOD_BAD_YEAR = T("period_bad_year", "error", "Năm của kỳ không hợp lệ",
                    "Năm {year} của kỳ báo cáo '{raw}' không hợp lệ")
PERIOD_NO_QUARTER = T("period_no_quarter", "error", "Không có báo cáo quý II/IV riêng",
                      "Không có báo cáo quý {quarter} riêng: hãy chọn kỳ \"{other}\" (kỳ báo cáo nhập: '{raw}')")

# ---------------------------------------------------------------- LibreOffice (PDF, recalculation)
NO_SOFFICE = T("no_soffice", "error", "Không có LibreOffice",
               "Không tìm thấy LibreOffice (soffice). Hãy cài LibreOffice (https://vi.libreoffice.org) hoặc đặt "
               "biến môi trường {env} là đường dẫn tới soffice.")
NO_SOURCE_FILE = T("no_source_file", "error", "Không có tệp cần chuyển đổi", "Không tìm thấy tệp cần chuyển đổi")
SOFFICE_NO_OUTPUT = T("soffice_no_output", "error", "LibreOffice không tạo ra tệp",
                      "LibreOffice không chuyển đổi được tệp{output}")
SOFFICE_TIMEOUT = T("soffice_timeout", "error", "LibreOffice chạy quá lâu",
                    "LibreOffice chạy quá {seconds} giây, đã dừng")
SOFFICE_FAILED = T("soffice_failed", "error", "LibreOffice báo lỗi",
                   "LibreOffice báo lỗi (mã {returncode}): {output}")

# ---------------------------------------------------------------- Excel add-in (xlwings)
XLWINGS_LICENSE = T("xlwings_license", "error", "Thiếu khóa xlwings",
                    "Chế độ sổ JSON (Office.js/máy chủ) của xlwings cần khóa bản quyền: đặt biến môi trường "
                    "XLWINGS_LICENSE_KEY (ví dụ 'noncommercial' khi cơ quan nhà nước dùng phi thương mại theo "
                    "giấy phép PolyForm Noncommercial, hoặc khóa thương mại đã mua). Excel trên máy tính không "
                    "cần khóa này.")

NO_FOLDER = T("no_folder", "error", "Không xác định được thư mục của sổ",
              "Không xác định được thư mục của sổ (sổ chưa lưu, đang mở trực tuyến trên OneDrive/SharePoint, "
              "hoặc chạy qua máy chủ). Hãy lưu sổ vào một thư mục trên máy, hoặc ghi đường dẫn đầy đủ vào các ô "
              "'Thư mục phiếu đơn vị' / 'Thư mục phiếu nhận về'")
NO_DOCUMENT = T("no_document", "error", "Chưa chọn tài liệu",
                "Chưa chọn tài liệu: hãy chọn tệp kế hoạch/kết quả chỉ số (.docx, .txt, .md, .xlsx, .tsv, .csv)")

# ---------------------------------------------------------------- demo
DEMO_OUT_EXISTS = T("demo_out_exists", "error", "Thư mục chạy thử là một tệp",
                    "'{path}' là một tệp đã có, không phải thư mục - chọn thư mục kết quả khác (--ra)")
DEMO_OUT_NOT_EMPTY = T("demo_out_not_empty", "error", "Thư mục chạy thử có dữ liệu khác",
                       "Thư mục '{path}' đã có dữ liệu khác; để tránh xóa nhầm, lệnh chạy thử chỉ ghi vào thư mục "
                       "mới, thư mục trống hoặc thư mục của lần chạy thử trước - hãy chọn thư mục khác (--ra)")

# ---------------------------------------------------------------- worksheet functions (UDF cells show "Lỗi: ...")
NOT_A_NUMBER = T("not_a_number", "error", "Không phải số", "{column}: '{value}' không phải là số")
UNKNOWN_STATUS = T("unknown_status", "error", "Trạng thái không có trong danh sách",
                   "trạng thái '{value}' không có trong danh sách ({labels})")
BAD_YEAR = T("bad_year", "error", "Năm không hợp lệ", "năm '{value}' không hợp lệ")
RANGES_MISMATCH = T("ranges_mismatch", "error", "Các vùng khác số dòng", "các vùng phải có cùng số dòng")
UDF_FAILED = T("udf_failed", "error", "Hàm không tính được", "không tính được ({why})")

# ---------------------------------------------------------------- command line (options of cchc-xl)
ONE_SOURCE = T("one_source", "error", "Cần đúng một nguồn dữ liệu",
               "cần chọn đúng một nguồn dữ liệu: --tu-tep TỆP_PHỤ_LỤC hoặc --mau")
MASTER_EXISTS = T("master_exists", "error", "Sổ tổng hợp đã có",
                  "sổ tổng hợp {path} đã có. Thêm --ghi-de để ghi đè (sổ cũ sẽ được sao lưu).")
WRITE_FAILED = T("write_failed", "error", "Không ghi được tệp",
                 "không ghi được tệp {path} ({why}). Tệp có đang mở trong Excel không?")
MASTER_NOT_XLSX = T("master_not_xlsx", "error", "Sổ tổng hợp phải là .xlsx",
                    "--ra {path}: sổ tổng hợp được tạo dưới dạng tệp Excel .xlsx - hãy đặt tên tệp có đuôi .xlsx")
NO_APPENDIX_FILE = T("no_appendix_file", "error", "Không có tệp phụ lục", "không tìm thấy tệp phụ lục {path}")
BAD_OPTION_CHOICE = T("bad_option_choice", "error", "Giá trị tùy chọn không hợp lệ",
                      "{option} '{value}' không hợp lệ: {choices}")
BAD_OPTION = T("bad_option", "error", "Tùy chọn không hợp lệ", "{option}: {why}")
CELLS_SKIPPED = T("cells_skipped", "warning", "Có ô không đọc được",
                  "sổ có {count} ô không đọc được (bỏ qua khi tính), liệt kê dưới đây; sửa các ô này rồi chạy "
                  "lại (lệnh 'kiem-tra' cho danh sách đầy đủ).")
CELLS_COUNTED_OTHERWISE = T("cells_counted_otherwise", "warning", "Có ô trang Tổng quan tính khác",
                            "sổ có {count} ô lệnh này đọc theo nội dung nhưng các công thức trang '{dashboard}' "
                            "đọc khác (liệt kê dưới đây): số liệu trên trang '{dashboard}' sẽ khác số liệu của "
                            "lệnh này cho đến khi sửa các ô đó.")
PERIOD_OTHER_YEAR = T("period_other_year", "warning", "Kỳ báo cáo khác năm kế hoạch",
                      "kỳ báo cáo {period} không thuộc năm kế hoạch {year} của sổ tổng hợp - kiểm tra lại --ky.")

# ---------------------------------------------------------------- security (formula text, server, paths)
FORMULA_TEXT = T("formula_text", "warning", "Văn bản giống công thức",
                 "Ô chứa '{text}' giống công thức Excel (có thể là công thức độc hại/DDE): đã ghi dưới dạng "
                 "văn bản, không chạy. Hãy kiểm tra lại nội dung ở bản gốc")
PATH_OUTSIDE = T("path_outside_work_dir", "error", "Thư mục ngoài thư mục làm việc",
                 "Thư mục '{path}' nằm ngoài thư mục làm việc {root} (hoặc dùng '..'/liên kết ra ngoài): "
                 "bị từ chối. Hãy ghi tên thư mục con bên trong thư mục làm việc")
FORMULA_REJECTED = T("formula_rejected", "error", "Công thức trong phiếu gửi về",
                     "Ô '{header}' của {item} nghi ngờ công thức độc hại/DDE - bị từ chối")

# ---------------------------------------------------------------- index: criteria set, scores, remediation import
CRITERIA_AREA_MAX = T("criteria_area_max", "warning", "Điểm tối đa lĩnh vực khác bộ tiêu chí",
                      "Lĩnh vực {area}: điểm tối đa ghi {value} nhưng {set} quy định {expected}")
CRITERIA_ABOVE_MAX = T("criteria_above_max", "error", "Điểm vượt điểm tối đa",
                       "{what}: {label} {value} lớn hơn điểm tối đa {max}")
CRITERIA_UNKNOWN_CODE = T("criteria_unknown_code", "error", "Mã tiêu chí không có trong bộ tiêu chí",
                          "Mã tiêu chí '{code}' ({name}) không có trong {set}")
CRITERIA_WRONG_AREA = T("criteria_wrong_area", "warning", "Tiêu chí nằm sai lĩnh vực",
                        "Tiêu chí {code} ({name}) được ghi ở lĩnh vực {area} nhưng thuộc lĩnh vực {expected}")
CRITERIA_SUM_ABOVE_AREA = T("criteria_sum_above_area", "error", "Tổng điểm trừ các tiêu chí vượt điểm trừ lĩnh vực",
                            "Lĩnh vực {area}: các tiêu chí bị trừ cộng lại {sum} điểm, lớn hơn điểm bị trừ "
                            "của lĩnh vực ({deducted})")
CRITERIA_BAD_FILE = T("criteria_bad_file", "error", "Bộ tiêu chí không hợp lệ",
                      "Bộ tiêu chí không hợp lệ: {why}")
CRITERIA_NOT_FOUND = T("criteria_not_found", "error", "Không có bộ tiêu chí",
                       "Không có bộ tiêu chí cho {what}; có sẵn: {available}")
CRITERIA_NO_TABLE = T("criteria_no_table", "error", "Không thấy bảng bộ tiêu chí",
                      "Bộ tiêu chí không hợp lệ: không có bảng nào có cột 'Tiêu chí'/'Nội dung' và 'Điểm tối đa'")
CRITERIA_NO_AREAS = T("criteria_no_areas", "error", "Bộ tiêu chí không có lĩnh vực",
                      "Bộ tiêu chí không hợp lệ: không có dòng lĩnh vực nào (mã 1..8 hoặc I..VIII)")
# rows of a province's criteria table that are skipped, one type per reason
CRITERIA_ROW_BAD_CODE = T("criteria_row_skipped", "warning", "Bỏ qua dòng có mã lạ",
                          "Bỏ qua dòng '{text}': mã không bắt đầu bằng số lĩnh vực (1-8)")
CRITERIA_ROW_MAX_NOT_NUMBER = T("criteria_row_max_not_number", "warning", "Bỏ qua dòng có điểm tối đa không phải số",
                                "Bỏ qua dòng '{text}': điểm tối đa '{value}' không phải là số")
CRITERIA_AREA_NO_MAX = T("criteria_area_no_max", "warning", "Bỏ qua lĩnh vực thiếu điểm tối đa",
                         "Bỏ qua dòng '{text}': lĩnh vực thiếu điểm tối đa")
REMEDIATION_NONE = T("remediation_none", "error", "Không tìm thấy nội dung khắc phục",
                     "Không tìm thấy nội dung khắc phục nào: cần các phần theo lĩnh vực (ví dụ '1. Công tác chỉ "
                     "đạo, điều hành…' hoặc 'a) Đối với lĩnh vực…') có tiêu chí bị trừ điểm, hoặc một bảng có cột "
                     "'Tiêu chí'/'Nội dung' và 'Giải pháp'")
REMEDIATION_NO_LEAD = T("remediation_no_lead", "warning", "Chưa có đơn vị chủ trì",
                        "{item}: tài liệu không ghi đơn vị/bộ phận chủ trì - để trống, hãy ghi vào cột 'Chủ trì'")
REMEDIATION_UNKNOWN_LEAD = T("remediation_unknown_lead", "warning", "Chủ trì chưa khớp đơn vị",
                             "{item}: chủ trì '{name}' chưa khớp đơn vị nào trong trang 'Đơn vị' - thêm tên này "
                             "vào cột 'Tên gọi khác' của đơn vị phụ trách để phiếu và thống kê tính đúng")
REMEDIATION_NEGATIVE_POINTS = T("remediation_negative_points", "error", "Điểm bị trừ âm",
                                "{item}: điểm bị trừ ghi '{value}' là số âm - điểm bị trừ là số dương (ví dụ "
                                "0,25). Không ghi gì. Hãy sửa tài liệu rồi nhập lại")
REMEDIATION_NO_POINTS = T("remediation_no_points", "info", "Không ghi điểm bị trừ",
                          "{item}: tài liệu không ghi số điểm bị trừ")
REMEDIATION_NO_DEADLINE = T("remediation_no_deadline", "warning", "Chưa có thời gian khắc phục",
                            "{item}: tài liệu không ghi thời gian khắc phục")
REMEDIATION_DEADLINE_CONDITIONAL = T("remediation_deadline_conditional", "info", "Thời hạn theo điều kiện",
                                     "{item}: thời gian '{text}' không có ngày cụ thể - nhập tay ở cột 'Hạn (ngày)' "
                                     "khi biết")
REMEDIATION_SKIPPED_LINE = T("remediation_skipped_line", "info", "Bỏ qua dòng",
                             "Dòng {line} không thuộc nội dung khắc phục nào: '{text}'")
REMEDIATION_TABLE_SKIPPED = T("remediation_table_skipped", "warning", "Bỏ qua bảng không có tiêu đề cột",
                              "{table} ({rows} dòng, bắt đầu '{first}') không có dòng tiêu đề cột ('Tiêu chí'/'Nội "
                              "dung' và 'Giải pháp'/'Chủ trì') và không nối tiếp một bảng khắc phục cùng số cột - "
                              "bị bỏ qua; nếu là phần tiếp của bảng, hãy chép dòng tiêu đề vào đầu bảng")
REMEDIATION_CODE_SUGGESTED = T("remediation_code_suggested", "info", "Gợi ý mã tiêu chí",
                               "{item}: gợi ý mã tiêu chí {codes} (theo tên; cần cán bộ xác nhận)")
REMEDIATION_UNKNOWN_AREA = T("remediation_unknown_area", "warning", "Không nhận ra lĩnh vực",
                             "Dòng {line}: '{text}' có vẻ là tiêu đề lĩnh vực nhưng không khớp tên lĩnh vực nào "
                             "trong 8 lĩnh vực; các nội dung bên dưới bị bỏ qua")
REMEDIATION_ADDED = T("remediation_added", "info", "Thêm nội dung khắc phục", "Thêm {id}: {item}")
REMEDIATION_CHANGED = T("remediation_changed", "info", "Cập nhật nội dung khắc phục",
                        "{id}: cột '{column}' đổi từ '{old}' thành '{new}'")
REMEDIATION_KEPT = T("remediation_kept", "warning", "Giữ giá trị cán bộ đã sửa",
                     "{id}: cột '{column}' đã được sửa trong sổ ('{mine}'), tài liệu mới ghi '{new}' - giữ giá trị "
                     "trong sổ")
REMEDIATION_GONE = T("remediation_gone", "warning", "Nội dung không còn trong tài liệu",
                     "{id} ({item}) không còn trong tài liệu {source} - giữ nguyên trong sổ, hãy xem lại")
SHEET_NO_HEADER = T("sheet_no_header", "error", "Không thấy dòng tiêu đề",
                    "Trang '{sheet}' không có dòng tiêu đề (cột đầu tiên '{header}')")
INDEX_NOT_AREAS = T("index_not_areas", "error", "Bảng điểm không theo 8 lĩnh vực",
                    "Bảng điểm không chia theo 8 lĩnh vực Chỉ số CCHC: dòng {row} '{name}' không phải tên lĩnh vực "
                    "{area} - không gán điểm theo số thứ tự dòng; hãy dùng bảng điểm theo 8 lĩnh vực")
INDEX_ONLY_TOTAL = T("index_only_total", "warning", "Chỉ có tổng điểm",
                     "Tài liệu chỉ có tổng điểm (không có điểm theo lĩnh vực): chỉ ghi tổng điểm, xếp hạng")
INDEX_NOTHING = T("index_nothing", "error", "Không tìm thấy điểm Chỉ số CCHC",
                  "Không tìm thấy bảng điểm theo lĩnh vực hay câu tổng hợp điểm (ví dụ 'đạt tổng số 83,33 điểm') "
                  "trong tài liệu")
INDEX_NO_YEAR = T("index_no_year", "error", "Không rõ năm của chỉ số",
                  "Không xác định được năm của Chỉ số CCHC trong tài liệu: thêm --nam NĂM")
INDEX_NO_YEAR_BUTTON = T("index_no_year_button", "error", "Không rõ năm của chỉ số (nút Nhập chỉ số)",
                         "Không xác định được năm của Chỉ số CCHC trong tài liệu. Nút 'Nhập chỉ số' không nhận "
                         "năm như lệnh (--nam): nó chỉ lấy năm ghi trong tài liệu Word hoặc văn bản (một câu như "
                         "'Chỉ số CCHC năm 2024 của xã đạt 85,5 điểm'); bảng điểm .xlsx/.csv/.tsv không mang năm. "
                         "Hãy thêm câu đó vào tài liệu Word/văn bản rồi bấm lại nút, hoặc chạy lệnh: "
                         "cchc-xl nhap-chi-so \"{master}\" \"{document}\" --nam NĂM")
INDEX_CHANGE_MISMATCH = T("index_change_mismatch", "error", "Mức tăng/giảm không khớp",
                          "Tài liệu ghi {direction} {stated} điểm so với năm {prev}, nhưng tổng điểm năm {year} ({total}) "
                          "so với năm {prev} ({prev_total}) là {computed}")
INDEX_CHANGE_UNCHECKED = T("index_change_unchecked", "info", "Chưa đối chiếu được mức tăng/giảm",
                           "Tài liệu ghi {direction} {stated} điểm so với năm {prev}; sổ chưa có điểm năm {prev} để "
                           "đối chiếu (suy ra tổng điểm năm {prev} là {implied})")
INDEX_TOTAL_MISMATCH = T("index_total_mismatch", "error", "Tổng điểm không khớp",
                         "Câu tổng hợp ghi tổng điểm {stated} nhưng bảng điểm cộng lại {computed}")
INDEX_YEAR_SAVED = T("index_year_saved", "info", "Đã ghi điểm năm", "Điểm Chỉ số CCHC năm {year}: {what}")
# what the official typed into "Chỉ số CCHC" since the last import (``core.index_years``)
INDEX_HAND_EDIT = T("index_hand_edit", "warning", "Giữ số liệu cán bộ đã sửa trong bảng điểm",
                    "{label}, cột '{column}': trong sổ là {value}, lần nhập trước ghi {recorded} - giữ giá trị trong "
                    "sổ làm số liệu năm {year}")
INDEX_HAND_ROW_ADDED = T("index_hand_row_added", "warning", "Giữ dòng cán bộ thêm vào bảng điểm",
                         "{label} do cán bộ thêm vào bảng - giữ làm số liệu năm {year}")
INDEX_HAND_ROW_REMOVED = T("index_hand_row_removed", "warning", "Dòng đã bị xóa khỏi bảng điểm",
                           "{label} (lần nhập trước ghi ở dòng {row}) không còn trong trang - bỏ khỏi số liệu năm "
                           "{year} (bản trước vẫn còn trong thư mục sao_luu)")
INDEX_KEPT = T("index_kept", "warning", "Giữ điểm cán bộ đã sửa",
               "{label}, cột '{column}': cán bộ đã ghi {mine}, tài liệu mới ghi {theirs} - giữ giá trị trong sổ; "
               "nếu tài liệu đúng, hãy xóa ô đó trong sổ rồi nhập lại")
INDEX_ROW_KEPT = T("index_row_kept", "warning", "Giữ dòng cán bộ đã sửa",
                   "{label}: tài liệu mới không có dòng này nhưng cán bộ đã thêm hoặc sửa nó trong sổ - giữ dòng này")
INDEX_COLUMN_TAKEN = T("index_column_taken", "error", "Cột cán bộ thêm nằm ở chỗ cột điểm các năm",
                       "Cột {column} (tiêu đề '{header}') có dữ liệu cán bộ thêm, đúng chỗ cần đặt cột '{needed}'. "
                       "Không ghi gì. Hãy chuyển cột đó sang bên phải hoặc sang trang khác rồi nhập lại")
INDEX_ROW_TAKEN = T("index_row_taken", "error", "Nội dung cán bộ thêm nằm trong vùng bảng điểm",
                    "Ô có nội dung '{text}' không phải một dòng của bảng điểm, nằm trong vùng bảng điểm năm {year} "
                    "cần ghi (dòng {first}-{last}). Không ghi gì. Hãy chuyển nội dung đó xuống dưới dòng {last} "
                    "hoặc sang trang khác rồi nhập lại")
IMPORT_FORMULA_CELL = T("import_formula_cell", "error", "Ô có công thức của cán bộ",
                        "Ô có công thức (đang cho {current}); lần nhập này cần ghi {new} vào ô đó. Không ghi gì. "
                        "Hãy thay công thức bằng giá trị (hoặc chuyển công thức sang ô khác) rồi nhập lại")
LINK_UNKNOWN_CODE = T("link_unknown_code", "warning", "Mã tiêu chí chưa có trên trang Chỉ số CCHC",
                      "{item}: mã tiêu chí '{code}' ở cột 'Tiêu chí' không có trên trang 'Chỉ số CCHC' (hoặc tiêu chí "
                      "đó chưa có điểm tối đa) - liên kết này không được tính vào điểm có nguy cơ bị trừ")

# ---------------------------------------------------------------- index: score files (importers/index)
# (a score table .xlsx/.tsv/.csv or the bundled JSON "cchc_xl.index/1"; cell values that are not
# numbers are "not_a_number", area numbers "bad_area_number", missing maxima "missing_max_points")
INDEX_JSON_SYNTAX = T("index_json_syntax", "error", "Tệp JSON chỉ số sai cú pháp",
                      "Tệp JSON chỉ số sai cú pháp ở dòng {line}, cột {column}: hãy sửa hoặc xuất lại tệp")
INDEX_JSON_FORMAT = T("bad_format", "error", "Tệp JSON không đúng định dạng",
                      "Tệp JSON không theo định dạng '{expected}' (khóa \"format\" ghi '{found}')")
INDEX_JSON_ENTRY = T("index_json_entry", "error", "Mục JSON không đúng dạng",
                     "Mục thứ {number} của khóa \"{key}\" không phải một đối tượng JSON (cần các khóa 'tt', "
                     "'name', 'max_points'...) - bỏ qua mục này")
INDEX_JSON_NOT_LIST = T("index_json_not_list", "error", "Khóa JSON không phải danh sách",
                        "Khóa \"{key}\" phải là một danh sách JSON [...] - bỏ qua khóa này")
INDEX_NO_SHEET = T("no_index_sheet", "error", "Không có trang bảng điểm",
                   "Không có trang nào chứa bảng điểm Chỉ số CCHC (cần cột 'Nội dung' và 'Điểm tối đa', hoặc "
                   "trang 'Chỉ số CCHC')")
INDEX_LINE_UNPARSED = T("unparsed_line", "warning", "Dòng tiêu chí không đọc được điểm",
                        "Lĩnh vực {area}: không đọc được điểm của dòng '{text}' - dòng này bị bỏ qua")
INDEX_CRITERION_NO_AREA = T("criterion_without_area", "error", "Tiêu chí trước dòng lĩnh vực",
                            "Tiêu chí '{name}' nằm trước mọi dòng lĩnh vực (TT 1..8) nên không biết thuộc lĩnh vực "
                            "nào - dòng này bị bỏ qua")
INDEX_AREA_TWICE = T("index_area_twice", "error", "Lĩnh vực ghi hai lần trong bảng điểm",
                     "Lĩnh vực {area} có hai dòng điểm ({first} và {second}) - không cộng hai lần, không chọn "
                     "thay. Không ghi gì. Hãy giữ một dòng rồi nhập lại")
INDEX_CODE_TWICE = T("index_code_twice", "error", "Mã tiêu chí ghi hai lần trong bảng điểm",
                     "Mã tiêu chí '{code}' có ở hai dòng ({first}: '{first_name}' và {second}: '{name}') - không "
                     "chọn thay. Không ghi gì. Hãy sửa mã hoặc giữ một dòng rồi nhập lại")
INDEX_AREA_NO_APPRAISED = T("index_area_no_appraised", "warning", "Lĩnh vực thiếu điểm thẩm định",
                            "Lĩnh vực {area}: ô điểm thẩm định để trống - tổng điểm không cộng được từ các lĩnh vực "
                            "(lấy theo dòng tổng của tài liệu nếu có); hãy ghi điểm rồi nhập lại")
INDEX_SUMMARY_MISMATCH = T("summary_mismatch", "error", "Phần nội dung khác bảng điểm",
                           "Lĩnh vực {area}: phần nội dung ghi bị trừ {stated} điểm nhưng bảng điểm ghi {table} điểm")
INDEX_TOTAL_ROW_MISMATCH = T("total_mismatch", "error", "Dòng tổng không khớp các lĩnh vực",
                             "Dòng tổng: {column} ghi {written} nhưng cộng các lĩnh vực được {computed}")

# ---------------------------------------------------------------- indicators (trang "Số liệu")
IND_NOT_NUMBER = T("indicator_not_number", "error", "Số liệu không phải số",
                   "Chỉ tiêu \"{label}\" ({period}): giá trị '{value}' không phải là số")
IND_NEGATIVE = T("indicator_negative", "error", "Số liệu âm",
                 "Chỉ tiêu \"{label}\" ({period}): giá trị {value} âm")
IND_NOT_WHOLE = T("indicator_not_whole", "error", "Số lượng không nguyên",
                  "Chỉ tiêu \"{label}\" ({period}) là số lượng ({unit}) nhưng ghi {value}")
IND_PARTS_SUM = T("indicator_parts_sum", "error", "Các phần không cộng đủ tổng",
                  "{period}: {parts} = {parts_sum}, khác \"{total_label}\" = {total} "
                  "(chênh {diff})")
IND_PART_GT_WHOLE = T("indicator_part_gt_whole", "error", "Phần lớn hơn tổng",
                      "{period}: \"{part_label}\" = {part} lớn hơn \"{whole_label}\" = {whole}")
IND_PART_GT_WHOLE_WARN = T("indicator_part_gt_whole_warning", "warning", "Phần lớn hơn tổng",
                           "{period}: \"{part_label}\" = {part} lớn hơn \"{whole_label}\" = {whole} "
                           "({why})")
IND_RATE_MISMATCH = T("indicator_rate_mismatch", "error", "Tỷ lệ không khớp số liệu",
                      "{period}: \"{label}\" ghi {written}%, nhưng {part}/{whole} = {computed}% "
                      "({part_label} / {whole_label})")
IND_RATE_ROUNDING = T("indicator_rate_rounding", "warning", "Tỷ lệ làm tròn sai",
                      "{period}: \"{label}\" ghi {written}%, làm tròn đúng (nửa lên, 2 chữ số) "
                      "của {part}/{whole} là {computed}%")
IND_RATE_OVER_100 = T("indicator_rate_over_100", "error", "Tỷ lệ vượt 100%",
                      "{period}: \"{label}\" = {written}% lớn hơn 100%")
IND_RATE_NO_COUNTS = T("indicator_rate_no_counts", "info", "Tỷ lệ không có số liệu gốc",
                       "{period}: \"{label}\" ghi {written}% nhưng chưa nhập {missing} để kiểm tra")
IND_PERIOD_CONTAINS = T("indicator_period_contains", "warning", "Kỳ dài có số liệu ít hơn kỳ nằm trong nó",
                        "\"{label}\": {outer} ghi {outer_value}, ít hơn {inner} - kỳ {outer} bao gồm khoảng thời "
                        "gian đó nên không thể ít hơn; một trong các báo cáo ghi sai")
IND_UNKNOWN_ROW = T("indicator_unknown_row", "warning", "Dòng số liệu lạ",
                    "Không nhận ra chỉ tiêu '{text}' - dòng này bị bỏ qua")
IND_IMPORT_CONFLICT = T("indicator_import_conflict", "error", "Số liệu đã có",
                        "Chỉ tiêu \"{label}\" ({period}) đang là {old}, tệp nhập ghi {new} - "
                        "thêm --ghi-de để thay (sổ cũ được sao lưu trước khi ghi)")
IND_IMPORT_OVER_CONTENT = T("indicator_import_over_content", "error", "Ô số liệu đang có nội dung khác",
                            "Chỉ tiêu \"{label}\" ({period}): ô đang có nội dung không đọc được là số liệu ({why}), "
                            "tệp nhập ghi {new} - thêm --ghi-de để thay (sổ cũ được sao lưu trước khi ghi)")
IND_PERIOD_CLOSED = T("indicator_period_closed", "warning", "Nhập số liệu vào kỳ đã chốt",
                      "Kỳ {period} đã chốt lúc {taken}: {count} số liệu mới/khác của kỳ này sẽ làm báo cáo đã "
                      "chốt (đã gửi) khác đi khi lập lại")
IND_IMPORT_EMPTY = T("indicator_import_empty", "error", "Tệp không có số liệu",
                     "Không tìm thấy chỉ tiêu nào trong tệp (cột tên chỉ tiêu phải trùng tên trên "
                     "trang 'Số liệu', giá trị ở cột số liệu của kỳ bên phải tên chỉ tiêu)")
IND_ROW_MISSING = T("indicator_row_missing", "error", "Thiếu dòng chỉ tiêu",
                    "Trang 'Số liệu' không có dòng chỉ tiêu \"{label}\" (mã {key} ở cột A) - thêm lại dòng "
                    "này rồi chạy lại")

# ---------------------------------------------------------------- history (trang "Lịch sử")
HIST_EXISTS = T("history_exists", "error", "Kỳ đã chốt",
                "Kỳ {period} đã được chốt số liệu lúc {taken_at} - không chốt lại. Thêm --ghi-de để "
                "chốt lại (bản chốt cũ vẫn giữ trên trang 'Lịch sử', đánh dấu 'Đã thay thế')")
HIST_BAD_ROW = T("history_bad_row", "error", "Dòng lịch sử hỏng",
                 "Dòng lịch sử của kỳ {period} không đọc được ({why}) - bản chốt này bị bỏ qua")
SNAPSHOT_EARLY = T("snapshot_early", "warning", "Kỳ được chốt trước ngày chốt số liệu",
                   "Kỳ {period} được chốt lúc {taken}, trước ngày chốt số liệu {cutoff}: báo cáo lấy số liệu "
                   "lúc chốt, cập nhật sau đó không có trong báo cáo. Nếu cần, chốt lại sau ngày chốt số liệu: "
                   "cchc-xl chot-ky {master} --ky \"{period}\" --ghi-de (bản cũ vẫn được giữ)")
TREND_SNAPSHOT_REPLACED = T("trend_snapshot_replaced", "warning", "Bảng lũy kế dùng bản chốt đã được thay thế",
                            "Bảng lũy kế của báo cáo {report} (đã chốt) giữ số liệu {period} theo bản {used}; bản "
                            "đó đã được thay thế bằng bản {current}, nên số liệu {period} ở báo cáo này khác báo "
                            "cáo {period} lập lại bây giờ")
DASHBOARD_OTHER_DATE = T("dashboard_other_date", "warning", "Ngày số liệu trang Tổng quan khác kỳ báo cáo",
                         "Ô 'Ngày số liệu' trang '{dashboard}' là {day}, khác ngày chốt số liệu của kỳ {period} "
                         "({cutoff}): các số trên trang '{dashboard}' tính theo ngày {day}, không phải theo báo "
                         "cáo này - đổi ô đó nếu muốn hai nơi cùng một ngày")
HIST_UNREADABLE = T("history_unreadable", "error", "Không chốt kỳ khi sổ có ô không đọc được",
                    "Không chốt số liệu kỳ {period}: sổ có {count} ô không đọc được (liệt kê trên) - bản chốt sẽ "
                    "giữ mãi số liệu sai của các ô này. Sổ không thay đổi. Hãy sửa các ô rồi chạy lại{draft}")
HIST_BEFORE_CUTOFF = T("history_before_cutoff", "warning", "Chốt trước ngày chốt số liệu",
                       "Chốt kỳ {period} ngày {today}, trước ngày chốt số liệu {cutoff}: việc hoàn thành "
                       "từ nay đến ngày chốt sẽ không có trong bản chốt")
