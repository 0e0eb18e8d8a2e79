#!/usr/bin/env bash
# Cài đặt (nếu cần) rồi chạy trọn một năm báo cáo trên dữ liệu mẫu (xã Quảng Sơn, 2025):
# Quý I -> 6 tháng -> Quý III -> Năm; mỗi kỳ: tạo phiếu đơn vị -> thư nháp -> tổng hợp; Quý I, Quý III
# có đơn vị nộp trễ và đơn vị có ô bị từ chối (thư nhắc, phiếu phản hồi, gửi lại bản đã sửa);
# mỗi kỳ chốt số liệu; báo cáo năm có số liệu từng kỳ và lũy kế.
# Có tham số thì chuyển nguyên cho 'cchc-xl demo' (ví dụ: scripts/demo.sh --ky "Quý III/2025").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ $# -eq 0 ]; then
  exec .venv/bin/cchc-xl demo --ca-nam
fi
exec .venv/bin/cchc-xl demo "$@"
