using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport;

/// <summary>
/// SendGrid's v3 <c>POST /v3/mail/send</c> on loopback, as strict as the service: <c>Authorization: Bearer</c> with the
/// right key (else 401 with SendGrid's error body), a JSON body with <c>personalizations[].to[].email</c>,
/// <c>from.email</c>, a subject and <c>content</c> (text/plain first), else 400 naming the field; 202 with an
/// <c>X-Message-Id</c> when accepted. <see cref="FailNext"/> makes the next requests answer 503 (SendGrid busy).
/// </summary>
public sealed class FakeSendGridServer : IAsyncDisposable
{
    private readonly string _apiKey;
    private WebApplication _app = null!;
    private int _failNext;

    private FakeSendGridServer(string apiKey) => _apiKey = apiKey;

    public Uri Address { get; private set; } = null!;

    /// <summary>Accepted messages (their JSON bodies as sent), in arrival order.</summary>
    public ConcurrentQueue<JsonObject> Accepted { get; } = new();

    private int _requests;

    public int Requests => _requests;

    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public static async Task<FakeSendGridServer> StartAsync(string apiKey)
    {
        var server = new FakeSendGridServer(apiKey);
        (server._app, server.Address) = await Loopback.ServeAsync(server.HandleAsync);
        return server;
    }

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (http.Request.Path != "/v3/mail/send" || !HttpMethods.IsPost(http.Request.Method))
        {
            await ErrorAsync(http, 404, "Not found", null);
            return;
        }
        if (http.Request.Headers.Authorization.ToString() != $"Bearer {_apiKey}")
        {
            await ErrorAsync(http, 401, "The provided authorization grant is invalid, expired, or revoked", null);
            return;
        }
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            await ErrorAsync(http, 503, "Service unavailable", null);
            return;
        }
        Interlocked.Exchange(ref _failNext, 0);
        if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
        {
            await ErrorAsync(http, 415, "Content-Type should be application/json.", null);
            return;
        }
        JsonObject? body;
        try { body = (await JsonNode.ParseAsync(http.Request.Body)) as JsonObject; }
        catch (JsonException) { body = null; }
        if (body is null)
        {
            await ErrorAsync(http, 400, "Bad Request", null);
            return;
        }
        if (Problem(body) is { } problem)
        {
            await ErrorAsync(http, 400, problem.Message, problem.Field);
            return;
        }
        Accepted.Enqueue(body);
        http.Response.StatusCode = 202;
        http.Response.Headers["X-Message-Id"] = Guid.NewGuid().ToString("N");
    }

    private static (string Field, string Message)? Problem(JsonObject body)
    {
        if (body["personalizations"] is not JsonArray { Count: > 0 } personalizations)
            return ("personalizations", "The personalizations field is required and must have at least one personalization.");
        foreach (var p in personalizations)
            if (p?["to"] is not JsonArray { Count: > 0 } to || to.Any(t => string.IsNullOrEmpty(t?["email"]?.GetValue<string>())))
                return ("personalizations.0.to", "The to array is required for all personalization objects, and must have at least one email object with a valid email address.");
        if (string.IsNullOrEmpty(body["from"]?["email"]?.GetValue<string>()))
            return ("from.email", "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.");
        if (string.IsNullOrEmpty(body["subject"]?.GetValue<string>()) && personalizations.All(p => p?["subject"] is null))
            return ("subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.");
        if (body["content"] is not JsonArray { Count: > 0 } content || content.Any(c => string.IsNullOrEmpty(c?["type"]?.GetValue<string>()) || c?["value"] is null))
            return ("content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.");
        if (content.Count > 1 && content[0]?["type"]?.GetValue<string>() != "text/plain")
            return ("content.0.type", "The text/plain content type must be first when including multiple content types.");
        return null;
    }

    private static Task ErrorAsync(HttpContext http, int status, string message, string? field)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new JsonObject
        {
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["field"] = field, ["help"] = null }),
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
