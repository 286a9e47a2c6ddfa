#!/bin/sh
# Entrypoint of the Palimpsest image: one role per container (see deploy/compose.yaml).
#   crawl           one `palimpsest crawl` (a cron-style run), then exit
#   crawl-loop      `palimpsest crawl` every INTERVAL seconds (one worker, no Scrapyd)
#   scrapyd         Scrapyd, running the workers (binds SCRAPYD_BIND, default 127.0.0.1)
#   schedule-loop   every INTERVAL seconds: schedule WORKERS runs of each site on
#                   SCRAPYD_URL, then deliver pending alerts (`palimpsest notify`)
#   serve           the review UI on 0.0.0.0:PORT (default 8080) inside the container
#   anything else   passed to `palimpsest` (status, changes --since 1d, db upgrade, …)
# ONCE=1 runs a loop role's body once (tests, and a first round by hand).
set -eu

PALIMPSEST="${PALIMPSEST_BIN:-palimpsest}"
SCHEDULE_RUNS="${SCHEDULE_RUNS_BIN:-palimpsest-schedule-runs}"
SCRAPYD="${SCRAPYD_BIN:-scrapyd}"
INTERVAL="${INTERVAL:-900}"

loop() {
  while :; do
    "$@" || echo "entrypoint: '$*' failed with status $?" >&2
    [ "${ONCE:-0}" = 1 ] && return 0
    sleep "$INTERVAL"
  done
}

round() {
  "$SCHEDULE_RUNS" && "$PALIMPSEST" notify
}

role="${1:-crawl}"
[ $# -gt 0 ] && shift
case "$role" in
  crawl)
    exec "$PALIMPSEST" crawl "$@" ;;
  crawl-loop)
    "$PALIMPSEST" db upgrade
    loop "$PALIMPSEST" crawl "$@" ;;
  scrapyd)
    # Scrapyd reads ./scrapyd.conf after /etc/scrapyd/scrapyd.conf: only the address differs.
    printf '[scrapyd]\nbind_address = %s\n' "${SCRAPYD_BIND:-127.0.0.1}" > ./scrapyd.conf
    "$PALIMPSEST" db upgrade
    exec "$SCRAPYD" "$@" ;;
  schedule-loop)
    loop round ;;
  serve)
    exec "$PALIMPSEST" serve --host 0.0.0.0 --port "${PORT:-8080}" "$@" ;;
  *)
    exec "$PALIMPSEST" "$role" "$@" ;;
esac
