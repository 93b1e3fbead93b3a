#!/usr/bin/env bash
# Recounts the feature graph of src/Hubix the way ADR-004 does: for each feature folder, the other feature folders
# its C# files name with `using Hubix.X`, a fully qualified `Hubix.X.`, or a relative `X.Type` inside namespace Hubix
# (generated migrations left out: they name entities only in strings). Prints one line per folder, then every pair of
# folders that name each other, and exits 1 when there is such a pair.
set -euo pipefail
cd "$(dirname "$0")/../src/Hubix"
features="Kernel Data Operators Webhooks Delivery Advisors Content AccountHealth DailyPack Agent Dashboard Hosting Cli"
alt=$(echo $features | tr ' ' '|')
declare -A uses
for f in $features; do
  refs=$(find "$f" -name '*.cs' -not -path '*/Migrations/*' -print0 \
    | xargs -0 grep -ohE "(\bHubix\.($alt)\b|(^|[^A-Za-z0-9_.\"])($alt)\.[A-Z][A-Za-z0-9_]*)" 2>/dev/null \
    | sed -E "s/^[^A-Za-z]*//; s/^Hubix\.//; s/\..*//" | sort -u | grep -vx "$f" | tr '\n' ' ' || true)
  uses[$f]="$refs"
  printf '%-10s -> %s\n' "$f" "$refs"
done
pairs=0
for a in $features; do
  for b in ${uses[$a]}; do
    if [[ " ${uses[$b]:-} " == *" $a "* && "$a" < "$b" ]]; then
      echo "cycle: $a <-> $b"; pairs=$((pairs + 1))
    fi
  done
done
echo "pairs of folders that import each other: $pairs"
[ "$pairs" -eq 0 ]
