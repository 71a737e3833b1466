#!/bin/sh
# The entry point of every service image. SERVICE (set in the image) names the service's folder,
# e.g. referral-api; its Python package is the same with "_" for "-" (referral_api) and its
# settings prefix is the first word in capitals (REFERRAL_).
#
#   serve            run the API with uvicorn on $PORT (default 8000); the image's default
#   migrate [REV]    alembic upgrade to REV (default heads: the service's revisions and the
#                    kit tables' from servicekit) on the service's own database
#   wait-for-schema  wait until that database is at the head of the migrations this image
#                    carries (an init container: a new version never serves an old schema)
#   seed             load the demonstration data, where the service has a seed module
#   anything else    run as given, e.g. `python -m servicekit.devidp token --role officer`
set -eu

: "${SERVICE:?SERVICE is not set: build the image with --build-arg SERVICE=<service folder>}"
HERE="$(cd "$(dirname "$0")" && pwd)"
APP_ROOT="${APP_ROOT:-$HERE}"
MODULE="$(printf '%s' "$SERVICE" | tr '-' '_')"
PREFIX="$(printf '%s' "${SERVICE%-api}" | tr 'a-z-' 'A-Z_')_"
ALEMBIC_INI="$APP_ROOT/services/$SERVICE/alembic.ini"

command="${1:-serve}"
[ "$#" -gt 0 ] && shift

case "$command" in
  serve)
    exec uvicorn --factory "$MODULE.main:app" --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
      --proxy-headers "$@"
    ;;
  migrate)
    exec alembic -c "$ALEMBIC_INI" upgrade "${1:-heads}"
    ;;
  wait-for-schema)
    exec python "$HERE/schema_status.py" --ini "$ALEMBIC_INI" \
      --url-env "${PREFIX}DATABASE_URL" --wait "${SCHEMA_WAIT_SECONDS:-600}" "$@"
    ;;
  seed)
    exec python -m "$MODULE.seed" "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
