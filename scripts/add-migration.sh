#!/usr/bin/env bash
# Adds a migration for BOTH providers (every schema change needs both).
#   scripts/add-migration.sh NAME
# While nothing has shipped, `scripts/add-migration.sh --reset` regenerates the single Initial migration.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
name=${1:?usage: scripts/add-migration.sh NAME | --reset}
if [ "$name" = "--reset" ]; then
  rm -rf src/Hubix/Data/Migrations
  name=Initial
fi
dotnet build src/Hubix -v q --nologo >/dev/null
for p in Sqlite Postgres; do
  dotnet ef migrations add "$name" --no-build --project src/Hubix --context "${p}HubixDbContext" \
    --output-dir "Data/Migrations/$p" --namespace "Hubix.Data.Migrations.$p"
  # The tool files the model snapshot by the assembly name (hubix), not the root namespace: put it beside the migrations.
  if [ -d src/Hubix/Hubix ]; then
    find src/Hubix/Hubix -name '*ModelSnapshot.cs' -exec mv {} "src/Hubix/Data/Migrations/$p/" \;
    rm -rf src/Hubix/Hubix
  fi
done
