#!/usr/bin/env bash
# Operator benchmark: bash bench/operator/run.sh [COUNT]  (default 1000 UserDeployments)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Operator -c Release -v q -nologo >/dev/null
dotnet run --project bench/operator/OperatorBench.csproj -c Release -- "${1:-1000}"
