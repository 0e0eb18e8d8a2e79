#!/usr/bin/env bash
# Cài đặt (nếu cần) rồi chạy toàn bộ kiểm thử.  Dùng trong CI: .ci/run gọi tệp này.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/python -m pytest -q "$@"
