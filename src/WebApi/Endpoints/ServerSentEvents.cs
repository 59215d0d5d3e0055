using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>
/// Writes a stream as Server-Sent Events: one <c>event: TYPE</c> with a JSON <c>data:</c> line per item, a comment every
/// <see cref="Heartbeat"/> so that proxies keep an idle stream open, and a final <c>end</c> event when the stream is
/// complete (or an <c>error</c> event with a message when the source failed after the response began).
/// </summary>
internal static class ServerSentEvents
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync<T>(HttpContext http, IAsyncEnumerable<T> items, string eventType, CancellationToken cancellationToken)
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
        await WriteAsync(": stream open\n\n");
        var heartbeat = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Heartbeat);
            try { while (await timer.WaitForNextTickAsync(stop.Token)) await WriteAsync(": keep-alive\n\n"); }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        try
        {
            await foreach (var item in items.WithCancellation(cancellationToken))
                await WriteAsync($"event: {eventType}\ndata: {JsonSerializer.Serialize(item, json)}\n\n");
            await WriteAsync("event: end\ndata: {}\n\n");
        }
        catch (Exception e) when (e is Application.Kubernetes.KubeApiException or Application.Kubernetes.KubeUnavailableException)
        {
            var message = e is Application.Kubernetes.KubeApiException api ? api.ApiMessage : "The Kubernetes API server cannot be reached right now.";
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
        }
    }
}
