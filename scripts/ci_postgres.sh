#!/usr/bin/env bash
# Runs the suite (browser tests excepted) against a throw-away PostgreSQL database, on every core
# (up to 4: a test database per worker).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q postgresql
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')
db="xinfang_ci_$$"
password="ci-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
su postgres -c "psql -q -p $port -c \"DROP ROLE IF EXISTS xinfang_ci\"" >/dev/null 2>&1 || true
su postgres -c "psql -q -p $port -c \"CREATE ROLE xinfang_ci LOGIN CREATEDB CREATEROLE PASSWORD '$password'\""
su postgres -c "psql -q -p $port -c \"CREATE DATABASE $db OWNER xinfang_ci\""
cleanup() {
  su postgres -c "psql -q -p $port -c \"DROP DATABASE IF EXISTS $db\"" || true
  for test_db in "test_$db" "test_${db}_gw0" "test_${db}_gw1" "test_${db}_gw2" "test_${db}_gw3"; do
    su postgres -c "psql -q -p $port -c \"DROP DATABASE IF EXISTS $test_db\"" || true
  done
  su postgres -c "psql -q -p $port -c \"DROP ROLE IF EXISTS xinfang_ci\"" || true
}
trap cleanup EXIT
export DATABASE_URL="postgres://xinfang_ci:$password@127.0.0.1:$port/$db"
.venv/bin/pytest -m "not browser" -p no:cacheprovider -n auto --maxprocesses=4
