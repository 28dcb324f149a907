#!/usr/bin/env bash
# Runs every test against real Azurite, real ML.NET and real HTTP on loopback, then prints one summary line.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
dotnet build Functions.sln -c Release --no-restore --verbosity quiet -nologo

log=$(mktemp)
status=0
dotnet test Functions.sln -c Release --no-build --verbosity quiet -nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line over all test assemblies, e.g. "tests: 52 passed, 0 failed, 1 skipped".
awk '/(Passed|Failed)! +- +Failed:/ {
       gsub(/,/, " ");
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (p + f == 0) exit 1 }' "$log" || status=1
rm -f "$log"
exit $status
