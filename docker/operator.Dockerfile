# The CleanScheduler operator. Build from the repository root:
#   docker build -f docker/operator.Dockerfile -t cleanscheduler/operator .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Operator/CleanScheduler.Operator.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV HEALTH_PROBE_BIND_ADDRESS=:8081 DOTNET_gcServer=0
EXPOSE 8081 8080
USER 65532:65532
ENTRYPOINT ["dotnet", "CleanScheduler.Operator.dll"]
