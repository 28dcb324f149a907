#!/usr/bin/env bash
# Brings a fresh clone to a runnable state: checks the toolchain, installs Azurite (npm ci) and restores NuGet packages.
# Idempotent and quick when nothing changed. Used by ./demo.sh and ./test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not on PATH. $2" >&2; exit 1; }; }
need dotnet "Install the .NET 10 SDK."
need node "Install Node.js 20 or newer (Azurite, the storage emulator, runs on it)."
need npm "Install npm (it comes with Node.js)."

# Azurite: reinstall only when the lock file changed since the last install.
if [[ ! -x node_modules/.bin/azurite || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore Functions.sln --verbosity quiet
