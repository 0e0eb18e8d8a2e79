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
IND_UNKNOWN_ROW = T("indicator_unknown_row", "warning", "Dòng số liệu lạ",
                    "Không nhận ra chỉ tiêu '{text}' - dòng này bị bỏ qua")
IND_IMPORT_CONFLICT = T("indicator_import_conflict", "error", "Số liệu đã có",
                        "Chỉ tiêu \"{label}\" ({period}) đang là {old}, tệp nhập ghi {new} - "
                        "thêm --ghi-de để thay (sổ cũ được sao lưu trước khi ghi)")
IND_IMPORT_EMPTY = T("indicator_import_empty", "error", "Tệp không có số liệu",
                     "Không tìm thấy chỉ tiêu nào trong tệp (cột tên chỉ tiêu phải trùng tên trên "
                     "trang 'Số liệu', giá trị là ô số đầu tiên bên phải)")
IND_ROW_MISSING = T("indicator_row_missing", "error", "Thiếu dòng chỉ tiêu",
                    "Trang 'Số liệu' không có dòng chỉ tiêu \"{label}\" (mã {key} ở cột A) - thêm lại dòng "
                    "này rồi chạy lại")

# ---------------------------------------------------------------- history (trang "Lịch sử")
HIST_EXISTS = T("history_exists", "error", "Kỳ đã chốt",
                "Kỳ {period} đã được chốt số liệu lúc {taken_at} - không chốt lại. Thêm --ghi-de để "
                "chốt lại (bản chốt cũ vẫn giữ trên trang 'Lịch sử', đánh dấu 'Đã thay thế')")
HIST_BAD_ROW = T("history_bad_row", "error", "Dòng lịch sử hỏng",
                 "Dòng lịch sử của kỳ {period} không đọc được ({why}) - bản chốt này bị bỏ qua")
HIST_BEFORE_CUTOFF = T("history_before_cutoff", "warning", "Chốt trước ngày chốt số liệu",
                       "Chốt kỳ {period} ngày {today}, trước ngày chốt số liệu {cutoff}: việc hoàn thành "
                       "từ nay đến ngày chốt sẽ không có trong bản chốt")
