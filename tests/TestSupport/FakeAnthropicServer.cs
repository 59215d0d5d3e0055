using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport;

/// <summary>
/// Anthropic's Messages API (<c>POST /v1/messages</c>) on loopback, as strict as the service: the right key, as
/// <c>x-api-key</c> or as <c>Authorization: Bearer</c> (how the Anthropic package 13.x sends an API key), else 401
/// <c>authentication_error</c>; an <c>anthropic-version</c> the service knows (2023-06-01, or 2026-10-21 that the
/// package 13.14 sends), else 400; a JSON body with
/// <c>model</c>, a positive <c>max_tokens</c>, <c>messages</c> that start with the user and alternate roles, content as
/// a string or text blocks, an optional <c>system</c>, and no unknown fields (else 400 <c>invalid_request_error</c>
/// naming the field, as the service does). Answers a <c>message</c> object with one text block, in the service's
/// shape and headers, from the replies queued with <see cref="Reply"/>; <see cref="Fail"/> queues an error status
/// instead, and <see cref="Delay"/> holds every answer back (for timeouts).
/// </summary>
public sealed class FakeAnthropicServer : IAsyncDisposable
{
    private static readonly HashSet<string> Versions = ["2023-06-01", "2026-10-21"];
    private static readonly HashSet<string> KnownFields =
    [
        "model", "max_tokens", "messages", "system", "metadata", "stop_sequences", "stream", "temperature", "top_k", "top_p",
        "tools", "tool_choice", "thinking", "service_tier", "container", "mcp_servers",
    ];

    private readonly string _apiKey;
    private readonly ConcurrentQueue<(int Status, string Text)> _answers = new();
    private WebApplication _app = null!;

    private FakeAnthropicServer(string apiKey) => _apiKey = apiKey;

    public Uri Address { get; private set; } = null!;

    /// <summary>Every accepted request body, in arrival order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>How long each answer waits (the request's cancellation ends the wait).</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<FakeAnthropicServer> StartAsync(string apiKey)
    {
        var server = new FakeAnthropicServer(apiKey);
        (server._app, server.Address) = await Loopback.ServeAsync(server.HandleAsync);
        return server;
    }

    /// <summary>Queues the text of the next assistant message.</summary>
    public void Reply(string text) => _answers.Enqueue((200, text));

    /// <summary>Queues an error answer: 429 <c>rate_limit_error</c>, 500 <c>api_error</c>, 529 <c>overloaded_error</c>...</summary>
    public void Fail(int status) => _answers.Enqueue((status, ""));

    private async Task HandleAsync(HttpContext http)
    {
        http.Response.Headers["request-id"] = "req_" + Guid.NewGuid().ToString("N");
        if (http.Request.Path != "/v1/messages" || !HttpMethods.IsPost(http.Request.Method))
        {
            await ErrorAsync(http, 404, "not_found_error", "Not found");
            return;
        }
        if (http.Request.Headers["x-api-key"].ToString() != _apiKey && http.Request.Headers.Authorization.ToString() != $"Bearer {_apiKey}")
        {
            await ErrorAsync(http, 401, "authentication_error", "invalid x-api-key");
            return;
        }
        if (http.Request.Headers["anthropic-version"].ToString() is var version && !Versions.Contains(version))
        {
            await ErrorAsync(http, 400, "invalid_request_error",
                version.Length == 0 ? "anthropic-version: header is required" : $"anthropic-version: invalid version {version}");
            return;
        }
        if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
        {
            await ErrorAsync(http, 400, "invalid_request_error", "Content-Type must be application/json");
            return;
        }
        JsonObject? body;
        try { body = await JsonNode.ParseAsync(http.Request.Body) as JsonObject; }
        catch (JsonException) { body = null; }
        if (body is null)
        {
            await ErrorAsync(http, 400, "invalid_request_error", "The request body is not valid JSON.");
            return;
        }
        if (Problem(body) is { } problem)
        {
            await ErrorAsync(http, 400, "invalid_request_error", problem);
            return;
        }
        Requests.Enqueue(body);
        try { await Task.Delay(Delay, http.RequestAborted); }
        catch (OperationCanceledException) { return; }
        if (!_answers.TryDequeue(out var answer))
        {
            await ErrorAsync(http, 500, "api_error", "The fake has no reply queued.");
            return;
        }
        if (answer.Status != 200)
        {
            await ErrorAsync(http, answer.Status, answer.Status switch
            {
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            }, "Injected failure.");
            return;
        }
        var input = body.ToJsonString().Length / 4;
        await Results.Json(new JsonObject
        {
            ["id"] = "msg_" + Guid.NewGuid().ToString("N")[..24],
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = body["model"]!.GetValue<string>(),
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = answer.Text }),
            ["stop_reason"] = "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = input, ["output_tokens"] = answer.Text.Length / 4 + 1 },
        }).ExecuteAsync(http);
    }

    /// <summary>What the service would refuse in a request body, in its words, or null.</summary>
    private static string? Problem(JsonObject body)
    {
        if (body.Select(p => p.Key).FirstOrDefault(k => !KnownFields.Contains(k)) is { } extra) return $"{extra}: Extra inputs are not permitted";
        if (body["model"] is not JsonValue model || model.GetValueKind() != JsonValueKind.String) return "model: Field required";
        if (body["max_tokens"] is not JsonValue max || max.GetValueKind() != JsonValueKind.Number || max.GetValue<long>() < 1)
            return "max_tokens: Field required";
        if (body["system"] is { } system && !IsContent(system)) return "system: Input should be a valid string or list of text blocks";
        if (body["messages"] is not JsonArray { Count: > 0 } messages) return "messages: at least one message is required";
        for (var i = 0; i < messages.Count; i++)
        {
            var role = messages[i]?["role"]?.GetValue<string>();
            if (role is not ("user" or "assistant")) return $"messages.{i}.role: Input should be 'user' or 'assistant'";
            if (role != (i % 2 == 0 ? "user" : "assistant"))
                return i == 0 ? "messages: first message must use the \"user\" role" : "messages: roles must alternate between \"user\" and \"assistant\"";
            if (messages[i]!["content"] is not { } content || !IsContent(content)) return $"messages.{i}.content: Field required";
            if (messages[i]!.AsObject().Count != 2) return $"messages.{i}: Extra inputs are not permitted";
        }
        return null;
    }

    private static bool IsContent(JsonNode node) => node switch
    {
        JsonValue v => v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0,
        JsonArray blocks => blocks.Count > 0 && blocks.All(b => b?["type"]?.GetValue<string>() == "text" && b["text"] is JsonValue),
        _ => false,
    };

    private static Task ErrorAsync(HttpContext http, int status, string type, string message) =>
        Results.Json(new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
            ["request_id"] = http.Response.Headers["request-id"].ToString(),
        }, statusCode: status).ExecuteAsync(http);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
