# The CleanScheduler server (API + web UI). Build from the repository root:
#   docker build -f docker/server.Dockerfile -t cleanscheduler/server .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN if [ -f frontend/package.json ]; then cd frontend && npm install --no-save && npm run build; fi
RUN dotnet publish src/WebApi/CleanScheduler.WebApi.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# An 8 MB gen0 budget, as scripts/run.sh starts the server (scripts/lib.sh says why; a test checks they agree).
ENV SERVER_ADDR=0.0.0.0:8080 DOTNET_GCgen0size=0x800000
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["dotnet", "CleanScheduler.WebApi.dll"]
