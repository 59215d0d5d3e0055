using CleanScheduler.Application.Features.Clients;
using CleanScheduler.Domain.Common;
using CleanScheduler.WebApi.Auth;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

/// <summary>The branding of the request's host, and white-label client management (platform admins).</summary>
public static class ClientEndpoints
{
    public sealed record BrandingResponse(Guid? ClientId, string DisplayName, string? LogoUrl, string PrimaryColor, bool BillingEnabled);

    public static IEndpointRouteBuilder MapClientEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/branding", (RequestClient client, Application.Features.Billing.BillingOptions billing) => TypedResults.Ok(new BrandingResponse(
                client.Resolved.Id?.Value, client.Resolved.DisplayName, client.Resolved.LogoUrl, client.Resolved.PrimaryColor, billing.Enabled)))
            .WithTags("Branding").AllowAnonymous().WithName("getBranding").WithSummary("How the platform presents itself on this host (white-label branding)");

        var clients = app.MapGroup("/api/clients").WithTags("Clients").RequireAuthorization();
        clients.MapGet("/", ListAsync).WithName("listClients").WithSummary("White-label clients (platform admins only)").WithProblems(Status403Forbidden);
        clients.MapPost("/", CreateAsync).WithName("createClient").WithSummary("Register a white-label client (platform admins only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status409Conflict);
        clients.MapPut("/{id:guid}", UpdateAsync).WithName("updateClient").WithSummary("Change a client's name, domains and branding (platform admins only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        clients.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteClient").WithSummary("Delete a client without organizations (platform admins only)")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ClientDto>>> ListAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListClientsQuery(), ct));

    private static async Task<Created<ClientDto>> CreateAsync(ClientRequest body, IMediator mediator, CancellationToken ct)
    {
        var client = await mediator.Send(new CreateClientCommand(body.Name, body.Domains, body.Branding), ct);
        return TypedResults.Created($"/api/clients/{client.Id}", client);
    }

    private static async Task<Ok<ClientDto>> UpdateAsync(Guid id, ClientRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateClientCommand(new ClientId(id), body.Name, body.Domains, body.Branding), ct));

    private static async Task<NoContent> DeleteAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteClientCommand(new ClientId(id)), ct);
        return TypedResults.NoContent();
    }
}
