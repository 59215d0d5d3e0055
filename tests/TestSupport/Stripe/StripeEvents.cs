using System.Diagnostics;
using System.Text.Json.Nodes;

namespace CleanScheduler.TestSupport.Stripe;

/// <summary>
/// Stripe-shaped webhook events (the fields Stripe sends for the objects billing reads), and their signature made by
/// Stripe's own Node library (<c>frontend/e2e/stripe-sign.mjs</c>: <c>webhooks.generateTestHeaderString</c>). Node
/// must be on PATH; a missing node fails the test.
/// </summary>
public static class StripeEvents
{
    public const string ApiVersion = "2026-10-28.endive";

    public static JsonObject Event(string type, JsonObject dataObject, DateTimeOffset created, string? id = null) => new()
    {
        ["id"] = id ?? $"evt_{Guid.NewGuid():N}",
        ["object"] = "event",
        ["api_version"] = ApiVersion,
        ["created"] = created.ToUnixTimeSeconds(),
        ["data"] = new JsonObject { ["object"] = dataObject },
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
    };

    public static JsonObject CheckoutSession(string sessionId, string customer, string subscription, Guid organization) => new()
    {
        ["id"] = sessionId, ["object"] = "checkout.session", ["mode"] = "subscription", ["status"] = "complete", ["payment_status"] = "paid",
        ["customer"] = customer, ["subscription"] = subscription, ["client_reference_id"] = organization.ToString(),
        ["metadata"] = new JsonObject { ["organization_id"] = organization.ToString() }, ["livemode"] = false,
    };

    public static JsonObject Subscription(
        string id, string customer, string price, string status, DateTimeOffset created, DateTimeOffset periodEnd, bool cancelAtPeriodEnd = false,
        Guid? organization = null) => new()
    {
        ["id"] = id, ["object"] = "subscription", ["customer"] = customer, ["status"] = status, ["created"] = created.ToUnixTimeSeconds(),
        ["cancel_at_period_end"] = cancelAtPeriodEnd, ["livemode"] = false, ["start_date"] = created.ToUnixTimeSeconds(),
        ["metadata"] = organization is { } org ? new JsonObject { ["organization_id"] = org.ToString() } : new JsonObject(),
        ["items"] = new JsonObject
        {
            ["object"] = "list", ["has_more"] = false, ["url"] = $"/v1/subscription_items?subscription={id}",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = $"si_{Guid.NewGuid():N}"[..17], ["object"] = "subscription_item", ["quantity"] = 1, ["subscription"] = id,
                ["current_period_start"] = created.ToUnixTimeSeconds(), ["current_period_end"] = periodEnd.ToUnixTimeSeconds(),
                ["price"] = new JsonObject { ["id"] = price, ["object"] = "price", ["active"] = true, ["currency"] = "eur", ["unit_amount"] = 4900 },
            }),
        },
    };

    public static JsonObject Invoice(string id, string customer, string subscription, string status, long amount, DateTimeOffset created) => new()
    {
        ["id"] = id, ["object"] = "invoice", ["customer"] = customer, ["status"] = status, ["number"] = $"INV-{id[^6..].ToUpperInvariant()}",
        ["created"] = created.ToUnixTimeSeconds(), ["currency"] = "eur", ["amount_due"] = amount, ["amount_paid"] = status == "paid" ? amount : 0,
        ["hosted_invoice_url"] = $"https://invoice.stripe.test/{id}", ["livemode"] = false,
        ["parent"] = new JsonObject
        {
            ["type"] = "subscription_details",
            ["subscription_details"] = new JsonObject { ["subscription"] = subscription, ["metadata"] = new JsonObject() },
        },
    };

    /// <summary>The <c>Stripe-Signature</c> header for <paramref name="payload"/>, made by Stripe's library (now, or at <paramref name="at"/>).</summary>
    public static async Task<string> SignAsync(string payload, string secret, DateTimeOffset? at = null)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.Of("frontend", "e2e", "stripe-sign.mjs"));
        start.ArgumentList.Add(secret);
        if (at is { } time) start.ArgumentList.Add(time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        await node.StandardInput.WriteAsync(payload);
        node.StandardInput.Close();
        var header = await node.StandardOutput.ReadToEndAsync();
        var error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        if (node.ExitCode != 0) throw new InvalidOperationException($"stripe-sign.mjs failed ({node.ExitCode}): {error}");
        return header;
    }
}
