# The CleanScheduler operator, a Native AOT executable. Build from the repository root:
#   docker build -f docker/operator.Dockerfile -t cleanscheduler/operator .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/Operator/CleanScheduler.Operator.csproj -c Release -r linux-x64 -o /app

# No .NET runtime: the executable carries what it uses (InvariantGlobalization: no ICU either).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
WORKDIR /app
COPY --from=build /app/CleanScheduler.Operator .
# A 4 MB gen0 budget: collections are cheap for a controller, and RSS stays near the live set (bench/operator).
ENV HEALTH_PROBE_BIND_ADDRESS=:8081 DOTNET_GCgen0size=0x400000
EXPOSE 8081 8080
USER 65532:65532
ENTRYPOINT ["/app/CleanScheduler.Operator"]
