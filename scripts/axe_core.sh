#!/usr/bin/env bash
# axe-core for the accessibility browser tests (tests/browser/test_accessibility.py): taken with
# npm from the npm registry, pinned by version and by the SHA-256 of axe.min.js, and kept in the
# test environment (default .venv/share/axe-core/). Never in the static files served to users.
# Usage: scripts/axe_core.sh [DIRECTORY]; prints the file's path. Does nothing when it is there.
set -euo pipefail
VERSION=4.14.1
SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
cd "$(dirname "$0")/.."
dest="${1:-.venv/share/axe-core}"
target="$dest/axe-$VERSION.min.js"
if [ -f "$target" ] && echo "$SHA256  $target" | sha256sum --check --status; then
  echo "$target"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "无障碍测试需要 npm 取得 axe-core $VERSION；请以 root 运行 make test，或手动安装：apt-get install npm" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q npm >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar -xzf "axe-core-$VERSION.tgz" package/axe.min.js)
if ! echo "$SHA256  $work/package/axe.min.js" | sha256sum --check --status; then
  echo "axe-core $VERSION 的 axe.min.js 校验值不符，已停止。" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$work/package/axe.min.js" "$target"
echo "$target"
