#!/usr/bin/env bash
# Operator benchmark: bash bench/operator/run.sh [COUNT]  (default 1000 UserDeployments)
# Runs the operator as it ships, the Native AOT executable; BENCH_OPERATOR=jit runs the IL build on the dotnet host,
# BENCH_OPERATOR=/path/CleanScheduler.Operator an executable published before (another commit: before/after runs).
# BENCH_LATENCY_MS=10 or 5-20 adds that latency to every request but watches; BENCH_WORKERS=N (default 2, as the operator).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
require_dotnet
dotnet build bench/operator/OperatorBench.csproj -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
case ${BENCH_OPERATOR:-aot} in
  jit) dotnet build src/Operator -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
       operator=src/Operator/bin/Release/net10.0/CleanScheduler.Operator.dll ;;
  aot) operator=artifacts/operator-aot/CleanScheduler.Operator
       publish_operator artifacts/operator-aot ;;
  *) operator=$BENCH_OPERATOR ;;
esac
# The operator runs with the GC setting of its image and Deployment (docker/operator.Dockerfile, k8s/operator/deployment.yaml).
export DOTNET_GCgen0size=${DOTNET_GCgen0size-0x400000}
dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll "${1:-1000}" "$operator"
