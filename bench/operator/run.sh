#!/usr/bin/env bash
# Operator benchmark: bash bench/operator/run.sh [COUNT]  (default 1000 UserDeployments)
# Runs the operator as it ships, the Native AOT executable; BENCH_OPERATOR=jit runs the IL build on the dotnet host.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
require_dotnet
dotnet build bench/operator/OperatorBench.csproj -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
if [[ ${BENCH_OPERATOR:-aot} == jit ]]; then
  dotnet build src/Operator -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
  operator=src/Operator/bin/Release/net10.0/CleanScheduler.Operator.dll
else
  operator=artifacts/operator-aot/CleanScheduler.Operator
  publish_operator artifacts/operator-aot
fi
# The operator runs with the GC setting of its image and Deployment (docker/operator.Dockerfile, k8s/operator/deployment.yaml).
export DOTNET_GCgen0size=${DOTNET_GCgen0size-0x400000}
dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll "${1:-1000}" "$operator"
