using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>
/// Bounds on live log streams: at most <paramref name="PerUser"/> open at once per user on this server process (the
/// next answers 429 with Retry-After), and each ends after <paramref name="Lifetime"/> with a <c>reconnect</c> event,
/// after which the client opens a new one. A stream holds a connection, a Kubernetes watch per pod and a buffer, so
/// neither the count nor the duration may be left to the client. Every <paramref name="AccessCheck"/> an open stream checks
/// its caller again (the session or token still valid, the deployment still readable): a revoked token, a signed-out or
/// idle session or a removed member loses the stream within that time, not at its lifetime.
/// </summary>
public sealed record LogStreamLimits(int PerUser, TimeSpan Lifetime, TimeSpan AccessCheck)
{
    public static readonly LogStreamLimits Default = new(PerUser: 5, Lifetime: TimeSpan.FromMinutes(30), AccessCheck: TimeSpan.FromSeconds(30));

    /// <summary>What a refused client is told to wait: a slot frees when one of its other streams ends.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    public const string Policy = "log-streams";
}

/// <summary>
/// Bounds on live metrics streams, as <see cref="LogStreamLimits"/> for logs (their own count per user), and how often
/// a stream takes a sample (<paramref name="Interval"/>).
/// </summary>
public sealed record MetricsStreamLimits(LogStreamLimits Streams, TimeSpan Interval)
{
    public static readonly MetricsStreamLimits Default = new(LogStreamLimits.Default, Interval: TimeSpan.FromSeconds(5));

    public const string Policy = "metrics-streams";
}

/// <summary>
/// Writes a stream as Server-Sent Events: one <c>event: TYPE</c> (with its <c>id:</c> when it has one) and a JSON <c>data:</c> line per item, a comment every
/// <see cref="Heartbeat"/> so that proxies keep an idle stream open, and a final <c>end</c> event when the stream is
/// complete (or an <c>error</c> event with a message when the source failed after the response began). A stream that
/// reaches its <c>lifetime</c> ends with a <c>reconnect</c> event instead: nothing failed, the client opens a new one.
/// </summary>
internal static class ServerSentEvents
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>Every item as an event of one type, without ids.</summary>
    public static Task StreamAsync<T>(HttpContext http, IAsyncEnumerable<T> items, string eventType, TimeSpan lifetime, CancellationToken cancellationToken,
        Func<CancellationToken, Task<bool>>? stillAllowed = null, TimeSpan? checkEvery = null) =>
        StreamAsync(http, items.Select(item => new SseItem<T>(item, eventType)), lifetime, cancellationToken, stillAllowed, checkEvery);

    /// <param name="stillAllowed">Asked every <paramref name="checkEvery"/>: false ends the stream with an <c>error</c> event.</param>
    public static async Task StreamAsync<T>(HttpContext http, IAsyncEnumerable<SseItem<T>> items, TimeSpan lifetime, CancellationToken cancellationToken,
        Func<CancellationToken, Task<bool>>? stillAllowed = null, TimeSpan? checkEvery = null)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";   // nginx and friends: pass events through as they come
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        using var gate = new SemaphoreSlim(1, 1);

        async Task WriteAsync(string text)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
            finally { gate.Release(); }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var expired = new CancellationTokenSource(lifetime);
        using var denied = new CancellationTokenSource();
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expired.Token, denied.Token);
        await WriteAsync(": stream open\n\n");
        var checking = stillAllowed is null ? Task.CompletedTask : Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(checkEvery ?? Heartbeat);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                    if (!await stillAllowed(stop.Token))
                    {
                        await denied.CancelAsync();
                        return;
                    }
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        var heartbeat = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Heartbeat);
            try { while (await timer.WaitForNextTickAsync(stop.Token)) await WriteAsync(": keep-alive\n\n"); }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        try
        {
            await foreach (var item in items.WithCancellation(reading.Token))
                await WriteAsync($"event: {item.EventType}\n{(item.EventId is { } id ? $"id: {id}\n" : "")}data: {JsonSerializer.Serialize(item.Data, json)}\n\n");
            await WriteAsync("event: end\ndata: {}\n\n");
        }
        catch (OperationCanceledException) when (denied.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            const string message = "Your access to this stream has ended (signed out, token revoked or expired, or no longer a member).";
            await WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(new { message }, json)}\n\n");
        }
        catch (OperationCanceledException) when (expired.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var message = $"This stream reached its time limit ({lifetime.TotalMinutes:0.#} min); open a new one to go on.";
            await WriteAsync($"event: reconnect\ndata: {JsonSerializer.Serialize(new { message }, json)}\n\n");
        }
        catch (Exception e) when (e is Application.Common.ClusterRefusedException or Application.Common.ClusterUnavailableException)
        {
            var message = e is Application.Common.ClusterRefusedException refused ? refused.ClusterMessage : "The Kubernetes API server cannot be reached right now.";
            await WriteAsync($"event: error\ndata: {JsonSerializer.Serialize(new { message }, json)}\n\n");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the client went away
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
            await checking;
        }
    }
}
