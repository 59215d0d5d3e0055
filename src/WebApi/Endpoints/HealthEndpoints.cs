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
        NpgsqlDataSource database, SecretBackendReadiness secrets, ILogger<HealthStatus> logger, CancellationToken ct)
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
        if (await secrets.FailureAsync(ct) is null) return TypedResults.Ok(new HealthStatus("ready"));
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready",
            detail: $"The secrets backend ({secrets.Backend}) is not reachable.", extensions: new Dictionary<string, object?> { ["code"] = "unavailable.secrets" });
    }
}

/// <summary>
/// The secrets backend's last readiness check, kept for <see cref="Lifetime"/> whether it passed or failed: anonymous
/// /readyz calls reach the backend at most once per lifetime (concurrent callers wait for the one check).
/// </summary>
public sealed class SecretBackendReadiness(Application.Common.ISecretValueStore store, TimeProvider clock, ILogger<SecretBackendReadiness> logger)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Checked? _last;

    public string Backend => store.Backend;

    /// <summary>Null when the backend answered its last check; otherwise why it did not.</summary>
    public async Task<string?> FailureAsync(CancellationToken ct)
    {
        if (Fresh() is { } last) return last.Failure;
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh() is { } again) return again.Failure;
            string? failure = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await store.CheckAsync(timeout.Token);
            }
            catch (Exception e) when (e is Application.Common.SecretBackendUnavailableException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                logger.LogWarning("Readiness check failed: the secrets backend ({Backend}) is not reachable ({Reason})", store.Backend, e.Message);
                failure = e.Message;
            }
            _last = new Checked(clock.GetUtcNow(), failure);
            return failure;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Checked? Fresh() => _last is { } last && clock.GetUtcNow() - last.At < Lifetime ? last : null;

    private sealed record Checked(DateTimeOffset At, string? Failure);
}
