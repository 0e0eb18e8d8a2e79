#!/usr/bin/env bash
# Cài đặt môi trường: gói hệ thống (LibreOffice, poppler) nếu có quyền, và .venv với cchc_xl.
# Dùng: scripts/setup.sh            (chạy công cụ)
#       scripts/setup.sh --test     (thêm gói để chạy kiểm thử)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# Liberation Serif 2.x has Times New Roman's metrics and Vietnamese glyphs: PDFs rendered by
# LibreOffice keep the layout and the diacritics in one font.
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=vi family | grep -qi "Liberation Serif"; } \
  || need_apt+=(fonts-liberation2)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo ">> Cài gói hệ thống: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo ">> Cài gói hệ thống (sudo): ${need_apt[*]}"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "!! Không cài được ${need_apt[*]} (cần quyền root). Các phần cần LibreOffice sẽ bị bỏ qua." >&2
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo ">> Tạo môi trường ảo .venv"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ $want_test = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
echo ">> Đã cài đặt: $(.venv/bin/python -c 'import cchc_xl, sys; print("cchc_xl", cchc_xl.__version__, "- Python", sys.version.split()[0])')"
