#!/usr/bin/env bash
# Builds the bench program in Release and runs one mode, e.g.
#   bench/run.sh overhead --quick
#   bench/run.sh soak --instances 100 --kills 30 --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
# Azurite comes from the repository's node_modules.
[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund
dotnet run -c Release --project bench/ModelOps.Durable.Bench -- "$@"
