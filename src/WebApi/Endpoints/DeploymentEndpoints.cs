using System.Globalization;
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

public static partial class DeploymentEndpoints
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
            .WithName("streamDeploymentLogs").WithSummary("The pods' log lines as Server-Sent Events (event 'log', id: the line's time, data {pod, service, line, time}); " +
                "?service= or ?pod= (one service's or one pod's), ?since= (a duration such as 90s, 15m, 2h, or an RFC 3339 time), ?tailLines= (default 100), " +
                "?follow= (default true). Last-Event-ID: only the lines written after that one, all of them (a reconnect). At most 5 streams per user at once " +
                "(429 with Retry-After past that); a stream ends after 30 minutes with event 'reconnect': open a new one with Last-Event-ID")
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

    private static async Task<OkSentAtOnce<Paged<DeploymentSummary>>> ListAsync(
        IMediator mediator, CancellationToken ct, Guid? teamId, string? state, string? phase, int? page, int? pageSize) =>
        new(await mediator.Send(new ListDeploymentsQuery(
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

    private static async Task LogsAsync(Guid id, IMediator mediator, IServiceProvider services, HttpContext http, LogStreamLimits limits, TimeProvider clock,
        CancellationToken ct, string? service, string? pod, string? since, int? tailLines, bool? follow)
    {
        if (tailLines is < 0 or > MaxTailLines) throw Invalid("tailLines", $"Must be between 0 and {MaxTailLines}.");
        var window = new LogWindow(tailLines ?? 100, Since(since, clock), follow ?? true);
        if (http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastId)   // a reconnect: the lines after the last one seen, at most MaxTailLines per pod
            window = window with
            {
                TailLines = MaxTailLines,
                After = DateTimeOffset.TryParseExact(lastId, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var last)
                    ? last : throw Invalid("lastEventId", "The Last-Event-ID header must be the id of a log event (the line's time)."),
            };
        var access = new GetDeploymentLogSourceQuery(new DeploymentId(id), service, pod);
        var source = await mediator.Send(access, ct);
        var lines = await services.GetRequiredService<IDeploymentLogs>().OpenAsync(source, window, ct);
        await ServerSentEvents.StreamAsync(http, lines.Select(line => new SseItem<LogLine>(line, "log") { EventId = line.Time?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) }),
            limits.Lifetime, ct, check => StillAllowedAsync(http, access, check), limits.AccessCheck);
    }

    /// <summary>?since= as the time after which lines are wanted: a duration back from now (90s, 15m, 2h) or an RFC 3339 time.</summary>
    private static DateTimeOffset? Since(string? since, TimeProvider clock)
    {
        if (string.IsNullOrEmpty(since)) return null;
        if (SinceDuration().Match(since) is { Success: true } duration)
        {
            var amount = int.Parse(duration.Groups[1].Value, CultureInfo.InvariantCulture);
            return clock.GetUtcNow() - (duration.Groups[2].Value switch { "s" => TimeSpan.FromSeconds(amount), "m" => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromHours(amount) })
                - TimeSpan.FromTicks(1);
        }
        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1
            ? time - TimeSpan.FromTicks(1)
            : throw Invalid("since", "Must be a duration (90s, 15m, 2h; at most 99999 of a unit) or an RFC 3339 time.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("^([0-9]{1,5})([smh])$")]
    private static partial System.Text.RegularExpressions.Regex SinceDuration();

    private static FluentValidation.ValidationException Invalid(string field, string message) =>
        new([new FluentValidation.Results.ValidationFailure(field, message)]);

    private static async Task MetricsAsync(Guid id, IMediator mediator, HttpContext http, MetricsStreamLimits limits, TimeProvider clock, CancellationToken ct)
    {
        DateTimeOffset? after = null;
        if (http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } lastId)
            after = long.TryParse(lastId, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= MaxUnixMilliseconds
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : throw Invalid("lastEventId", "The Last-Event-ID header must be the id of a metrics event (a time in Unix milliseconds).");
        var access = new GetDeploymentWorkloadsQuery(new DeploymentId(id));
        var workloads = await mediator.Send(access, ct);
        var metrics = http.RequestServices.GetRequiredService<IDeploymentMetrics>();
        var wait = after is { } last ? last - clock.GetUtcNow() + limits.Interval : TimeSpan.Zero;   // subtract first: last + Interval overflows near 9999-12-31
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
            yield return new SseItem<object>(sample, "metrics") { EventId = sample.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
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
