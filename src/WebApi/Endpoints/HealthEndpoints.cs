using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record HealthStatus(string Status);

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok"))).WithTags("Probes").AllowAnonymous()
            .WithName("getHealth").WithSummary("The process is up");
        app.MapGet("/readyz", ReadyAsync).WithTags("Probes").AllowAnonymous()
            .WithName("getReadiness").WithSummary("The database and the secrets backend are reachable").ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> ReadyAsync(
        NpgsqlDataSource database, Application.Common.ISecretValueStore secrets, ILogger<HealthStatus> logger, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning("Readiness check failed: the database is not reachable ({Reason})", e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                detail: "The database is not reachable.", extensions: new Dictionary<string, object?> { ["code"] = "unavailable.database" });
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await secrets.CheckAsync(timeout.Token);
            return TypedResults.Ok(new HealthStatus("ready"));
        }
        catch (Exception e) when (e is Application.Common.SecretBackendUnavailableException || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Readiness check failed: the secrets backend ({Backend}) is not reachable ({Reason})", secrets.Backend, e.Message);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
                detail: $"The secrets backend ({secrets.Backend}) is not reachable.", extensions: new Dictionary<string, object?> { ["code"] = "unavailable.secrets" });
        }
    }
}
