#!/usr/bin/env bash
# Cài đặt (nếu cần) rồi chạy trọn một kỳ báo cáo trên dữ liệu mẫu (xã Quảng Sơn, 2025):
# tạo sổ tổng hợp -> kiểm tra -> tạo phiếu đơn vị -> thư nháp -> tổng hợp phiếu gửi về -> báo cáo quý.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/cchc-xl demo "$@"
