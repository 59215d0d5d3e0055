using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentEndpoints(this IEndpointRouteBuilder app)
    {
        var deployments = app.MapGroup("/api/deployments").WithTags("Deployments").RequireAuthorization();
        deployments.MapPost("/", CreateAsync).WithName("createDeployment").WithSummary("Deploy a template version for a team, within the plan's limit")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status422UnprocessableEntity);
        deployments.MapGet("/", ListAsync).WithName("listDeployments").WithSummary("A team's deployments (?teamId=, optionally &state=running|stopped, &phase=)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        deployments.MapGet("/{id:guid}", GetAsync).WithName("getDeployment").WithSummary("One deployment").WithProblems(Status403Forbidden, Status404NotFound);
        deployments.MapPost("/{id:guid}/stop", StopAsync).WithName("stopDeployment").WithSummary("Scale to zero, keeping everything else")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        deployments.MapPost("/{id:guid}/start", StartAsync).WithName("startDeployment").WithSummary("Run again after a stop")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        deployments.MapPut("/{id:guid}/values", UpdateValuesAsync).WithName("updateDeploymentValues").WithSummary("Change the values (and optionally the template version); redeploys")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status422UnprocessableEntity);
        deployments.MapGet("/{id:guid}/manifests", ManifestsAsync)
            .WithName("getDeploymentManifests").WithSummary("The deployment's Kubernetes objects as multi-document YAML (?download=true for a file)")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml").WithProblems(Status403Forbidden, Status404NotFound, Status422UnprocessableEntity);
        deployments.MapGet("/{id:guid}/logs", LogsAsync)
            .WithName("streamDeploymentLogs").WithSummary("The pods' log lines as Server-Sent Events (event 'log', data {pod, service, line}); ?service=, ?tailLines= (default 100), " +
                "?follow= (default true). At most 5 streams per user at once (429 with Retry-After past that); a stream ends after 30 minutes " +
                "with event 'reconnect': open a new one (tailLines=0 for only the lines from then on)")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status429TooManyRequests, Status503ServiceUnavailable)
            .RequireRateLimiting(LogStreamLimits.Policy);
        deployments.MapGet("/{id:guid}/metrics", MetricsAsync)
            .WithName("streamDeploymentMetrics").WithSummary("Live metrics as Server-Sent Events: every few seconds an event 'metrics' (id: its time in Unix ms; data: " +
                "per service desired/ready replicas, restarts, and CPU millicores and memory bytes per pod and in sum). Without a metrics server in the cluster " +
                "one event 'unavailable' says so and CPU and memory are null. Last-Event-ID: the next sample comes no sooner than one interval after it. " +
                "Streams per user and lifetime as for logs ('reconnect' at the end)")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status429TooManyRequests, Status503ServiceUnavailable)
            .RequireRateLimiting(MetricsStreamLimits.Policy);
        deployments.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteDeployment").WithSummary("Delete a deployment and free its slot")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Created<DeploymentDetails>> CreateAsync(CreateDeploymentRequest body, IMediator mediator, CancellationToken ct)
    {
        var deployment = await mediator.Send(new CreateDeploymentCommand(
            new TeamId(body.TeamId ?? Guid.Empty), body.Name, new TemplateId(body.TemplateId ?? Guid.Empty), body.TemplateVersion, body.Values), ct);
        return TypedResults.Created($"/api/deployments/{deployment.Id}", deployment);
    }

    private static async Task<Ok<Paged<DeploymentSummary>>> ListAsync(
        IMediator mediator, CancellationToken ct, Guid? teamId, string? state, string? phase, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListDeploymentsQuery(
            new TeamId(teamId ?? Guid.Empty), state, phase, page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Ok<DeploymentDetails>> GetAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetDeploymentQuery(new DeploymentId(id)), ct));

    private static async Task<Ok<DeploymentDetails>> StopAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetDeploymentRunningCommand(new DeploymentId(id), Running: false), ct));

    private static async Task<Ok<DeploymentDetails>> StartAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetDeploymentRunningCommand(new DeploymentId(id), Running: true), ct));

    private static async Task<Ok<DeploymentDetails>> UpdateValuesAsync(Guid id, UpdateDeploymentValuesRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateDeploymentValuesCommand(new DeploymentId(id), body.TemplateVersion, body.Values), ct));

    private static async Task<IResult> ManifestsAsync(Guid id, IMediator mediator, HttpContext http, CancellationToken ct, bool? download)
    {
        var manifests = await mediator.Send(new GetManifestsQuery(new DeploymentId(id)), ct);
        if (download == true) http.Response.Headers.ContentDisposition = $"attachment; filename=\"{manifests.FileName}\"";
        http.Response.Headers.CacheControl = "no-store";   // may hold secret values
        return Results.Text(manifests.Yaml, "application/yaml", System.Text.Encoding.UTF8);
    }

    private static async Task LogsAsync(
        Guid id, IMediator mediator, IServiceProvider services, HttpContext http, LogStreamLimits limits, CancellationToken ct, string? service, int? tailLines, bool? follow)
    {
        if (tailLines is < 0 or > MaxTailLines)
            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("tailLines", $"Must be between 0 and {MaxTailLines}.")]);
        var source = await mediator.Send(new GetDeploymentLogSourceQuery(new DeploymentId(id), service), ct);
        var lines = await services.GetRequiredService<Application.Common.IDeploymentLogs>().OpenAsync(source, tailLines ?? 100, follow ?? true, ct);
        await ServerSentEvents.StreamAsync(http, lines, "log", limits.Lifetime, ct,
            check => StillAllowedAsync(http, new GetDeploymentLogSourceQuery(new DeploymentId(id), service), check), limits.AccessCheck);
    }

    private static async Task MetricsAsync(Guid id, IMediator mediator, HttpContext http, MetricsStreamLimits limits, TimeProvider clock, CancellationToken ct)
    {
        DateTimeOffset? after = null;
        if (http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastId)
            after = long.TryParse(lastId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms <= MaxUnixMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("lastEventId", "The Last-Event-ID header must be the id of a metrics event (a time in Unix milliseconds).")]);
        var access = new GetDeploymentWorkloadsQuery(new DeploymentId(id));
        var workloads = await mediator.Send(access, ct);
        var metrics = http.RequestServices.GetRequiredService<IDeploymentMetrics>();
        var wait = after is { } last ? last + limits.Interval - clock.GetUtcNow() : TimeSpan.Zero;
        var first = wait > TimeSpan.Zero ? null : await metrics.SampleAsync(workloads, ct);   // an unreachable cluster is a 503 before the stream begins
        await ServerSentEvents.StreamAsync(http, MetricsEventsAsync(metrics, workloads, first, wait, limits.Interval, clock, ct), limits.Streams.Lifetime, ct,
            check => StillAllowedAsync(http, access, check), limits.Streams.AccessCheck);
    }

    /// <summary>
    /// A sample every <paramref name="interval"/> (a cluster that does not answer skips one), and an <c>unavailable</c>
    /// event whenever the pod metrics stop being available (once, not at every sample).
    /// </summary>
    private static async IAsyncEnumerable<SseItem<object>> MetricsEventsAsync(IDeploymentMetrics metrics, DeploymentWorkloads workloads,
        DeploymentMetricsSample? first, TimeSpan wait, TimeSpan interval, TimeProvider clock, [EnumeratorCancellation] CancellationToken ct)
    {
        if (wait > TimeSpan.Zero) await Task.Delay(wait < interval ? wait : interval, clock, ct);
        using var timer = new PeriodicTimer(interval, clock);
        var available = true;
        do
        {
            DeploymentMetricsSample? sample;
            try { sample = first ?? await metrics.SampleAsync(workloads, ct); }
            catch (ClusterUnavailableException) { sample = null; }   // a blip: the next tick tries again
            first = null;
            if (sample is null) continue;
            if (available && !sample.PodMetricsAvailable)
                yield return new SseItem<object>(new { message = "CPU and memory are not available: this cluster has no metrics server (metrics.k8s.io)." }, "unavailable");
            available = sample.PodMetricsAvailable;
            yield return new SseItem<object>(sample, "metrics") { EventId = sample.At.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    private const long MaxUnixMilliseconds = 253_402_300_799_999;   // 9999-12-31

    /// <summary>The caller, authenticated again now, is the stream's caller and may still read the deployment (its logs, its metrics).</summary>
    private static async Task<bool> StillAllowedAsync<T>(HttpContext http, IRequest<T> access, CancellationToken ct)
    {
        var now = await http.AuthenticateAsync();
        if (!now.Succeeded || now.Principal.FindFirstValue(ClaimTypes.NameIdentifier) != http.User.FindFirstValue(ClaimTypes.NameIdentifier)) return false;
        // A scope of its own: the request's scope keeps what it read of the memberships at the start.
        await using var scope = http.RequestServices.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Auth.RequestClient>().Resolved = http.RequestServices.GetRequiredService<Auth.RequestClient>().Resolved;
        try
        {
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(access, ct);   // the membership read, as at the start
            return true;
        }
        catch (Exception e) when (e is NotFoundException or AccessDeniedException)   // no longer a member, or no longer allowed
        {
            return false;
        }
    }

    private const int MaxTailLines = 10_000;

    private static async Task<NoContent> DeleteAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteDeploymentCommand(new DeploymentId(id)), ct);
        return TypedResults.NoContent();
    }
}
