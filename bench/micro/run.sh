#!/usr/bin/env bash
# Micro-benchmarks of the API's hot-path pieces (BenchmarkDotNet, on demand, not in CI).
# Usage: bash bench/micro/run.sh [FILTER=*] (a BenchmarkDotNet filter, e.g. '*Json*'); more BenchmarkDotNet arguments may follow.
# A short job in process by default (a full run takes a few minutes on 2 cores); BENCH_MICRO_JOB=default for the default job.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
require_dotnet
filter=${1:-*}
shift || true
dotnet build bench/micro -c Release -v quiet -nologo -clp:ErrorsOnly
cd bench/micro
dotnet bin/Release/net10.0/CleanScheduler.Micro.dll --filter "$filter" --artifacts /tmp/cleanscheduler-micro "$@"
