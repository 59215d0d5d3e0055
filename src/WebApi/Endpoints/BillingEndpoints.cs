using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Errors;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>Billing with Stripe; mapped only when BILLING_ENABLED=true (otherwise every route here answers 404).</summary>
public static class BillingEndpoints
{
    public const int MaxWebhookBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder app)
    {
        var billing = app.MapGroup("/api/orgs/{id:guid}/billing").WithTags("Billing").RequireAuthorization();
        billing.MapGet("/", GetAsync).WithName("getBilling").WithSummary("The organization's subscription: plan, status, period, grace")
            .WithProblems(Status404NotFound);
        billing.MapPost("/checkout", CheckoutAsync).WithName("startBillingCheckout").WithSummary("Start a Stripe Checkout for a paid plan; its URL (owners only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status503ServiceUnavailable);
        billing.MapPost("/portal", PortalAsync).WithName("openBillingPortal").WithSummary("Open the Stripe customer portal; its URL (owners only)")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict, Status503ServiceUnavailable);
        billing.MapGet("/invoices", InvoicesAsync).WithName("listInvoices").WithSummary("The organization's invoices, newest first (owners only)")
            .WithProblems(Status403Forbidden, Status404NotFound, Status503ServiceUnavailable);

        app.MapPost("/api/stripe/webhook", WebhookAsync).WithTags("Billing").AllowAnonymous().DisableAntiforgery()
            .WithName("receiveStripeWebhook").WithSummary("Stripe's webhook: a signed event, applied once")
            .Accepts<string>("application/json").ProducesProblem(Status400BadRequest).ProducesProblem(Status413PayloadTooLarge);
        return app;
    }

    private static async Task<Ok<BillingDto>> GetAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetBillingQuery(new OrganizationId(id)), ct));

    private static async Task<Ok<BillingUrl>> CheckoutAsync(Guid id, CheckoutRequest body, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new StartCheckoutCommand(new OrganizationId(id), body.PlanId, ReturnBase(http)), ct));

    private static async Task<Ok<BillingUrl>> PortalAsync(Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new OpenPortalCommand(new OrganizationId(id), ReturnBase(http)), ct));

    private static async Task<Ok<IReadOnlyList<InvoiceDto>>> InvoicesAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListInvoicesQuery(new OrganizationId(id)), ct));

    /// <summary>The raw body (the signature covers its exact bytes), at most <see cref="MaxWebhookBytes"/>.</summary>
    private static async Task<IResult> WebhookAsync(HttpContext http, IBillingWebhook webhook, IMediator mediator, CancellationToken ct)
    {
        var buffer = new byte[MaxWebhookBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
        if (length > MaxWebhookBytes)
            return Problems.Result(Problems.Coded(Status413PayloadTooLarge, "Payload too large", "request.too_large", $"A webhook event is at most {MaxWebhookBytes} bytes."));
        BillingEvent billingEvent;
        try
        {
            billingEvent = webhook.Verify(System.Text.Encoding.UTF8.GetString(buffer, 0, length), http.Request.Headers["Stripe-Signature"].ToString());
        }
        catch (WebhookSignatureException e)
        {
            return Problems.Result(Problems.Coded(Status400BadRequest, "Webhook signature refused", "billing.webhook_signature", e.Message));
        }
        var outcome = await mediator.Send(new ApplyBillingEventCommand(billingEvent), ct);
        return TypedResults.Ok(new { received = true, outcome = outcome.ToString().ToLowerInvariant() });
    }

    /// <summary>
    /// Where Stripe sends the user back: BASE_URL, or on a white-label client's host that client's configured domain (with
    /// BASE_URL's scheme and port). Never the raw Host header: its port is the client's to choose.
    /// </summary>
    private static Uri ReturnBase(HttpContext http)
    {
        var settings = http.RequestServices.GetRequiredService<ServerSettings>();
        return http.RequestServices.GetRequiredService<Auth.RequestClient>().Resolved.Host is { } domain
            ? new UriBuilder(settings.BaseUrl) { Host = domain, Path = "/", Query = "", Fragment = "" }.Uri
            : settings.BaseUrl;
    }
}

public sealed record CheckoutRequest(
    [property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.Description("The plan to subscribe to: its id or code.")] string? PlanId);
