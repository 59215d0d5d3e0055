#!/usr/bin/env bash
# Operator benchmark: bash bench/operator/run.sh [COUNT]  (default 1000 UserDeployments)
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/Operator -c Release -v q -nologo >/dev/null
# The operator runs with the GC setting of its image and Deployment (docker/operator.Dockerfile, k8s/operator/deployment.yaml).
export DOTNET_GCgen0size=${DOTNET_GCgen0size-0x400000}
dotnet run --project bench/operator/OperatorBench.csproj -c Release -- "${1:-1000}"
