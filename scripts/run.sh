#!/usr/bin/env bash
# Migrate, load the demo organisation (demo mode only), start the Huey worker, serve with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
WORKERS="${WORKERS:-2}"
PY=.venv/bin/python

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput -v 0
if [ "$DJANGO_SETTINGS_MODULE" != "config.settings.production" ] && [ "${XINFANG_DEMO:-1}" != "0" ]; then
  $PY manage.py load_demo
fi

$PY manage.py run_huey --quiet &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM

echo "信访维稳工作平台：http://$HOST:$PORT/   接口文档：http://$HOST:$PORT/api/v1/docs"
if [ "${XINFANG_DEMO:-1}" != "0" ] && [ "$DJANGO_SETTINGS_MODULE" = "config.settings.local" ]; then
  echo "网上信访（演示）：http://$HOST:$PORT/portal/"
fi
.venv/bin/gunicorn config.wsgi:application \
  --bind "$HOST:$PORT" --workers "$WORKERS" --threads 2 --timeout 120 \
  --access-logfile - --error-logfile -
