#!/usr/bin/env bash
# The ModelOps demo, end to end: sets up what it needs, starts Azurite and the local host, drops the sample
# dataset into blob storage, follows the run to a deployed model, and scores a few rows over HTTP.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
dotnet build src/ModelOps.Local -c Release --no-restore --verbosity quiet -nologo
exec dotnet src/ModelOps.Local/bin/Release/net10.0/modelops.dll demo "$@"
