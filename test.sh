#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing (PostgreSQL, Chromium), starts a
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
rm -rf TestResults
set +e
dotnet test Hubix.slnx --no-build -c Release --nologo --results-directory TestResults --logger trx "$@"
rc=$?
set -e

# ---- 4. the plain closing line, summed over every .trx ----------------------
total=0 executed=0 passed=0 failed=0
for trx in $(find TestResults -name '*.trx'); do
  c=$(grep -o '<Counters [^>]*>' "$trx")
  get() { echo "$c" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(( total + $(get total) )); executed=$(( executed + $(get executed) ))
  passed=$(( passed + $(get passed) )); failed=$(( failed + $(get failed) ))
done
echo "test: total $(( SECONDS - t0 ))s"
echo "dotnet: $passed passed, $failed failed, $(( total - executed )) skipped"
if [ "$total" -eq 0 ]; then echo "test: no tests ran"; rc=1; fi
exit $rc
