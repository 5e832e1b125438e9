#!/usr/bin/env bash
# The browser tests need Debian's Chromium and a CJK font, and LibreOffice and poppler to turn the
# documents they download (.docx) into images. Installs them when missing and root.
set -euo pipefail
missing=()
documents=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || documents+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || documents+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ] && [ ${#documents[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "浏览器测试需要系统软件包：${missing[*]} ${documents[*]}；请以 root 运行 make test，或手动安装：apt-get install ${missing[*]} ${documents[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -q "${missing[@]}" fontconfig
fi
if [ ${#documents[@]} -gt 0 ]; then
  apt-get install -y -q --no-install-recommends "${documents[@]}"
fi
