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
CRITERIA_ROW_SKIPPED = T("criteria_row_skipped", "warning", "Bỏ qua dòng của bộ tiêu chí",
                         "Bỏ qua dòng '{text}': {why}")
BAD_PLAN_FILE = T("bad_plan_file", "error", "Không đọc được tài liệu", "Không đọc được tài liệu: {why}")
REMEDIATION_NONE = T("remediation_none", "error", "Không tìm thấy nội dung khắc phục",
                     "Không tìm thấy nội dung khắc phục nào: cần các phần theo lĩnh vực (ví dụ '1. Công tác chỉ "
                     "đạo, điều hành…' hoặc 'a) Đối với lĩnh vực…') có tiêu chí bị trừ điểm, hoặc một bảng có cột "
                     "'Tiêu chí'/'Nội dung' và 'Giải pháp'")
REMEDIATION_NO_LEAD = T("remediation_no_lead", "warning", "Chưa có đơn vị chủ trì",
                        "{item}: tài liệu không ghi đơn vị/bộ phận chủ trì - để trống, hãy ghi vào cột 'Chủ trì'")
REMEDIATION_UNKNOWN_LEAD = T("remediation_unknown_lead", "warning", "Chủ trì chưa khớp đơn vị",
                             "{item}: chủ trì '{name}' chưa khớp đơn vị nào trong trang 'Đơn vị' - thêm tên này "
                             "vào cột 'Tên gọi khác' của đơn vị phụ trách để phiếu và thống kê tính đúng")
REMEDIATION_NO_POINTS = T("remediation_no_points", "info", "Không ghi điểm bị trừ",
                          "{item}: tài liệu không ghi số điểm bị trừ")
REMEDIATION_NO_DEADLINE = T("remediation_no_deadline", "warning", "Chưa có thời gian khắc phục",
                            "{item}: tài liệu không ghi thời gian khắc phục")
REMEDIATION_DEADLINE_CONDITIONAL = T("remediation_deadline_conditional", "info", "Thời hạn theo điều kiện",
                                     "{item}: thời gian '{text}' không có ngày cụ thể - nhập tay ở cột 'Hạn (ngày)' "
                                     "khi biết")
REMEDIATION_SKIPPED_LINE = T("remediation_skipped_line", "info", "Bỏ qua dòng",
                             "Dòng {line} không thuộc nội dung khắc phục nào: '{text}'")
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
INDEX_CHANGE_MISMATCH = T("index_change_mismatch", "error", "Mức tăng/giảm không khớp",
                          "Tài liệu ghi {direction} {stated} điểm so với năm {prev}, nhưng tổng điểm năm {year} ({total}) "
                          "so với năm {prev} ({prev_total}) là {computed}")
INDEX_CHANGE_UNCHECKED = T("index_change_unchecked", "info", "Chưa đối chiếu được mức tăng/giảm",
                           "Tài liệu ghi {direction} {stated} điểm so với năm {prev}; sổ chưa có điểm năm {prev} để "
                           "đối chiếu (suy ra tổng điểm năm {prev} là {implied})")
INDEX_TOTAL_MISMATCH = T("index_total_mismatch", "error", "Tổng điểm không khớp",
                         "Câu tổng hợp ghi tổng điểm {stated} nhưng bảng điểm cộng lại {computed}")
INDEX_YEAR_SAVED = T("index_year_saved", "info", "Đã ghi điểm năm", "Điểm Chỉ số CCHC năm {year}: {what}")
LINK_UNKNOWN_CODE = T("link_unknown_code", "warning", "Mã tiêu chí chưa có trên trang Chỉ số CCHC",
                      "{item}: mã tiêu chí '{code}' ở cột 'Tiêu chí' không có trên trang 'Chỉ số CCHC' (hoặc tiêu chí "
                      "đó chưa có điểm tối đa) - liên kết này không được tính vào điểm có nguy cơ bị trừ")
