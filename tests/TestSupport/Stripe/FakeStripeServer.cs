using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CleanScheduler.TestSupport.Stripe;

/// <summary>
/// Stripe's API for the calls billing makes, in process on a loopback port: form-encoded requests, JSON objects and
/// error bodies shaped as Stripe sends them. As strict as Stripe, and stricter where billing promises more: every
/// request needs <c>Authorization: Bearer</c> with the configured secret key (401 otherwise), every POST needs an
/// <c>Idempotency-Key</c> (400 otherwise); a key reused with other parameters is refused as Stripe does
/// (<c>idempotency_error</c>), and reused with the same ones answers the first response again. Unknown customers and
/// prices answer 404/400 <c>resource_missing</c>.
/// </summary>
public sealed class FakeStripeServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (string Request, int Status, string Body)> _idempotent = new();
    private readonly object _gate = new();
    private WebApplication _app = null!;
    private int _next;

    private FakeStripeServer(string apiKey) => ApiKey = apiKey;

    public string ApiKey { get; }
    public Uri Address { get; private set; } = null!;

    /// <summary>Customers by id (with their metadata), as created.</summary>
    public ConcurrentDictionary<string, JsonObject> Customers { get; } = new();

    /// <summary>Checkout sessions by id, as created (customer, price, metadata, URLs).</summary>
    public ConcurrentDictionary<string, JsonObject> CheckoutSessions { get; } = new();

    public ConcurrentDictionary<string, JsonObject> PortalSessions { get; } = new();

    /// <summary>Prices that exist (checkout refuses others).</summary>
    public ConcurrentDictionary<string, bool> Prices { get; } = new();

    /// <summary>Invoices, each with its <c>customer</c>; the list call filters by it.</summary>
    public ConcurrentQueue<JsonObject> Invoices { get; } = new();

    /// <summary>POST requests received, in order: path and idempotency key.</summary>
    public ConcurrentQueue<(string Path, string IdempotencyKey)> Posts { get; } = new();

    public static async Task<FakeStripeServer> StartAsync(string apiKey = "sk_test_fake_key")
    {
        var server = new FakeStripeServer(apiKey);
        (server._app, server.Address) = await Loopback.ServeAsync(server.HandleAsync);
        return server;
    }

    public string NewId(string prefix) => $"{prefix}_test{Interlocked.Increment(ref _next):D6}{Guid.NewGuid():N}"[..(prefix.Length + 24)];

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.Path.StartsWithSegments("/checkout") || request.Path.StartsWithSegments("/portal"))
        {
            http.Response.ContentType = "text/html";   // the hosted page a browser is sent to
            await http.Response.WriteAsync($"<!doctype html><title>Stripe test page</title><h1>Fake Stripe {request.Path}</h1>");
            return;
        }
        if (request.Headers.Authorization.ToString() != $"Bearer {ApiKey}")
        {
            await ErrorAsync(http, 401, "invalid_request_error", null, null,
                "Invalid API Key provided: " + Redact(request.Headers.Authorization.ToString().Replace("Bearer ", "")));
            return;
        }
        var form = request.HasFormContentType ? await request.ReadFormAsync() : null;
        if (HttpMethods.IsPost(request.Method))
        {
            if (!request.HasFormContentType)
            {
                await ErrorAsync(http, 400, "invalid_request_error", null, null, "Stripe's API takes application/x-www-form-urlencoded bodies.");
                return;
            }
            var key = request.Headers["Idempotency-Key"].ToString();
            if (key.Length == 0)
            {
                await ErrorAsync(http, 400, "invalid_request_error", null, null, "This fake requires an Idempotency-Key header on every POST.");
                return;
            }
            Posts.Enqueue((request.Path.Value!, key));
            var fingerprint = request.Path + "?" + string.Join("&", form!.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
            (string Request, int Status, string Body) answer;
            bool replayed;
            lock (_gate)   // look up, run and remember as one step: two racing requests with one key never both run
            {
                replayed = _idempotent.TryGetValue(key, out answer);
                if (!replayed)
                {
                    var (status, body) = Post(request.Path.Value!, form!);
                    _idempotent[key] = answer = (fingerprint, status, body);
                }
            }
            if (replayed && answer.Request != fingerprint)
            {
                await ErrorAsync(http, 400, "idempotency_error", null, null,
                    $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.");
                return;
            }
            if (replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
            await WriteAsync(http, answer.Status, answer.Body);
            return;
        }
        if (HttpMethods.IsGet(request.Method) && request.Path == "/v1/invoices")
        {
            var customer = request.Query["customer"].ToString();
            var data = new JsonArray(Invoices.Where(i => i["customer"]?.GetValue<string>() == customer)
                .OrderByDescending(i => i["created"]!.GetValue<long>()).Select(i => (JsonNode)i.DeepClone()).ToArray());
            await WriteAsync(http, 200, new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false, ["url"] = "/v1/invoices" }.ToJsonString());
            return;
        }
        await ErrorAsync(http, 404, "invalid_request_error", null, null, $"Unrecognized request URL ({request.Method}: {request.Path}).");
    }

    private (int Status, string Body) Post(string path, IFormCollection form)
    {
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            switch (path)
            {
                case "/v1/customers":
                {
                    var id = NewId("cus");
                    var customer = new JsonObject
                    {
                        ["id"] = id, ["object"] = "customer", ["created"] = now, ["email"] = form["email"].ToString(), ["name"] = form["name"].ToString(),
                        ["livemode"] = false, ["metadata"] = Metadata(form, "metadata"),
                    };
                    Customers[id] = customer;
                    return (200, customer.ToJsonString());
                }
                case "/v1/checkout/sessions":
                {
                    var customer = form["customer"].ToString();
                    if (!Customers.ContainsKey(customer)) return Missing("customer", customer, 400);
                    var price = form["line_items[0][price]"].ToString();
                    if (!Prices.ContainsKey(price)) return Missing("price", price, 400, "line_items[0][price]");
                    if (form["mode"] != "subscription" || form["success_url"].Count == 0)
                        return Error(400, "invalid_request_error", "parameter_missing", "success_url", "Missing required param: success_url.");
                    var id = NewId("cs");
                    var session = new JsonObject
                    {
                        ["id"] = id, ["object"] = "checkout.session", ["created"] = now, ["customer"] = customer, ["mode"] = "subscription",
                        ["client_reference_id"] = form["client_reference_id"].ToString(), ["status"] = "open", ["payment_status"] = "unpaid",
                        ["success_url"] = form["success_url"].ToString(), ["cancel_url"] = form["cancel_url"].ToString(),
                        ["url"] = new Uri(Address, $"/checkout/{id}").ToString(), ["livemode"] = false, ["subscription"] = null,
                        ["metadata"] = Metadata(form, "metadata"), ["price"] = price,
                        ["subscription_metadata"] = Metadata(form, "subscription_data[metadata]"),
                    };
                    CheckoutSessions[id] = session;
                    var answer = (JsonObject)session.DeepClone();
                    answer.Remove("price");
                    answer.Remove("subscription_metadata");
                    return (200, answer.ToJsonString());
                }
                case "/v1/billing_portal/sessions":
                {
                    var customer = form["customer"].ToString();
                    if (!Customers.ContainsKey(customer)) return Missing("customer", customer, 400);
                    var id = NewId("bps");
                    var session = new JsonObject
                    {
                        ["id"] = id, ["object"] = "billing_portal.session", ["created"] = now, ["customer"] = customer, ["livemode"] = false,
                        ["return_url"] = form["return_url"].ToString(), ["url"] = new Uri(Address, $"/portal/{id}").ToString(),
                    };
                    PortalSessions[id] = session;
                    return (200, session.ToJsonString());
                }
                default:
                    return Error(404, "invalid_request_error", null, null, $"Unrecognized request URL (POST: {path}).");
            }
        }
    }

    private static JsonObject Metadata(IFormCollection form, string prefix)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in form)
            if (key.StartsWith(prefix + "[", StringComparison.Ordinal) && key.EndsWith(']') && key.IndexOf('[', prefix.Length + 1) < 0)
                metadata[key[(prefix.Length + 1)..^1]] = value.ToString();
        return metadata;
    }

    private static (int, string) Missing(string type, string id, int status, string? param = null) =>
        Error(status, "invalid_request_error", "resource_missing", param ?? type, $"No such {type}: '{id}'");

    private static (int, string) Error(int status, string type, string? code, string? param, string message)
    {
        var error = new JsonObject { ["type"] = type, ["message"] = message };
        if (code is not null) error["code"] = code;
        if (param is not null) error["param"] = param;
        return (status, new JsonObject { ["error"] = error }.ToJsonString());
    }

    private static Task ErrorAsync(HttpContext http, int status, string type, string? code, string? param, string message)
    {
        var (s, body) = Error(status, type, code, param, message);
        return WriteAsync(http, s, body);
    }

    private static async Task WriteAsync(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.Headers["Request-Id"] = $"req_{Guid.NewGuid():N}";
        await http.Response.WriteAsync(body);
    }

    private static string Redact(string key) => key.Length <= 8 ? "****" : key[..7] + new string('*', 8) + key[^4..];

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
