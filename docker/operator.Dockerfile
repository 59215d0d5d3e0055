# The CleanScheduler operator. Build from the repository root:
#   docker build -f docker/operator.Dockerfile -t cleanscheduler/operator .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Operator/CleanScheduler.Operator.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# A 4 MB gen0 budget: collections are cheap for a controller, and RSS stays near the live set (bench/operator).
ENV HEALTH_PROBE_BIND_ADDRESS=:8081 DOTNET_gcServer=0 DOTNET_GCgen0size=0x400000
EXPOSE 8081 8080
USER 65532:65532
ENTRYPOINT ["dotnet", "CleanScheduler.Operator.dll"]
