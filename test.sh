#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing (PostgreSQL, Chromium, Caddy, Pebble), starts a
# throwaway PostgreSQL on 127.0.0.1, builds, runs every test, prints "N passed, N failed, N skipped",
# and always stops PostgreSQL again. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DEBIAN_FRONTEND=noninteractive
t0=$SECONDS

# ---- 1. system packages, installed only when missing ------------------------
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# The HTTPS test: deploy/Caddyfile with Pebble (Let's Encrypt's ACME test server) as the CA.
for tool in caddy pebble openssl curl; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
[ -x "$(pg_bin)/initdb" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "test: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
PGBIN=$(pg_bin)

# ---- 2. throwaway PostgreSQL on loopback ------------------------------------
PGPORT=${PGPORT:-5433}
PGDATA=$(mktemp -d /tmp/hubix-pg.XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
stop_pg() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap stop_pg EXIT
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PGDATA -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$PGDATA/server.log"; exit 1; }
export HUBIX_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres"
export HUBIX_TEST_CHROMIUM="$(command -v chromium)"
echo "test: postgres up on 127.0.0.1:$PGPORT ($(( SECONDS - t0 ))s)"

# ---- 3. build + test --------------------------------------------------------
dotnet restore Hubix.slnx --nologo -v q
dotnet build Hubix.slnx --no-restore --nologo -v q -c Release
# Every schema change needs a migration for both providers (scripts/add-migration.sh); fail fast if one is missing.
dotnet tool restore >/dev/null
for ctx in SqliteHubixDbContext PostgresHubixDbContext; do
  dotnet ef migrations has-pending-model-changes --no-build --configuration Release --project src/Hubix --context "$ctx" >/dev/null \
    || { echo "test: the model has changes without a migration for $ctx; run scripts/add-migration.sh NAME"; exit 1; }
done
set +e
# xunit v3 on Microsoft.Testing.Platform (global.json opts in). Its summary is not a line CI reads, so
# the plain "N passed, N failed, N skipped" line is printed below from it.
dotnet test --solution Hubix.slnx --no-build -c Release "$@" 2>&1 | tee test-output.log
rc=${PIPESTATUS[0]}
set -e

# ---- 4. the plain closing line ------------------------------------------------
summary=$(sed -n '/Test run summary/,$p' test-output.log)
num() { echo "$summary" | sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" | tail -1; }
total=$(num total); failed=$(num failed); passed=$(num succeeded); skipped=$(num skipped)
rm -f test-output.log
echo "test: total $(( SECONDS - t0 ))s"
echo "dotnet: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ -z "$total" ] || [ "$total" -eq 0 ]; then echo "test: no tests ran"; rc=1; fi
exit $rc
