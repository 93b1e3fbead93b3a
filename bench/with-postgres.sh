#!/usr/bin/env bash
# Runs a bench scenario on a throwaway PostgreSQL cluster on 127.0.0.1 (started here, always stopped here):
#   bench/with-postgres.sh ingest --seconds 30
# The cluster is tuned like the test command's (fsync off): it measures hubix, not the disk.
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "with-postgres: PostgreSQL is not installed (apt-get install postgresql)"; exit 1; }
PGPORT=${PGPORT:-5439}
PGDATA=$(mktemp -d /tmp/hubix-bench-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
stop_pg() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$PGDATA"; }
trap stop_pg EXIT
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PGDATA -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$PGDATA/server.log"; exit 1; }
dotnet run -c Release --project bench/Hubix.Bench -- "$@" --postgres "Host=127.0.0.1;Port=$PGPORT;Username=postgres"
