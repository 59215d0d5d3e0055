using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using CleanScheduler.Application.Features.Secrets;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public sealed record SetSecretRequest(
    [property: Required, Description("The organization the secret belongs to.")] Guid? OrganizationId,
    [property: Description("A deployment of it: a deployment secret (or, with service, a service secret). Absent: an organization secret.")] Guid? DeploymentId,
    [property: Description("A service of the deployment's template: a service secret.")] string? Service,
    [property: Required, MaxLength(256), Description("An environment variable name.")] string? Key,
    [property: Required, Description("The value (at most 64 KiB); write-only, never returned.")] string? Value);

/// <summary>
/// Secrets in three tiers (docs/secrets.md). A secret is addressed by organizationId, deploymentId (optional) and
/// service (optional) plus its key, in the body of PUT and the query of GET and DELETE. Values are write-only.
/// </summary>
public static class SecretEndpoints
{
    public static IEndpointRouteBuilder MapSecretEndpoints(this IEndpointRouteBuilder app)
    {
        var secrets = app.MapGroup("/api/secrets").WithTags("Secrets").RequireAuthorization();
        secrets.MapGet("/", ListAsync).WithName("listSecrets")
            .WithSummary("The keys set at a tier (?organizationId=, &deploymentId= for a deployment's and its services', &service= for one service's); never values")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        secrets.MapPut("/", SetAsync).WithName("setSecret").WithSummary("Create or replace a secret; the deployments it reaches are published again")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict, Status503ServiceUnavailable);
        secrets.MapDelete("/", DeleteAsync).WithName("deleteSecret")
            .WithSummary("Delete a secret (?organizationId=&key=, &deploymentId=, &service= as it was set)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status503ServiceUnavailable);
        app.MapGet("/api/deployments/{id:guid}/secrets/effective", EffectiveAsync).WithTags("Secrets").RequireAuthorization()
            .WithName("getEffectiveSecrets").WithSummary("The keys each service of the deployment receives and the tier each comes from (organization > deployment > service)")
            .WithProblems(Status403Forbidden, Status404NotFound);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<SecretKeyDto>>> ListAsync(IMediator mediator, CancellationToken ct, Guid? organizationId, Guid? deploymentId, string? service) =>
        TypedResults.Ok(await mediator.Send(new ListSecretsQuery(Organization(organizationId), Deployment(deploymentId), service), ct));

    private static async Task<Ok<SecretKeyDto>> SetAsync(SetSecretRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetSecretCommand(Organization(body.OrganizationId), Deployment(body.DeploymentId), body.Service, body.Key, body.Value), ct));

    private static async Task<NoContent> DeleteAsync(IMediator mediator, CancellationToken ct, Guid? organizationId, Guid? deploymentId, string? service, string? key)
    {
        await mediator.Send(new DeleteSecretCommand(Organization(organizationId), Deployment(deploymentId), service, key), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<EffectiveSecretDto>>> EffectiveAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetEffectiveSecretsQuery(new DeploymentId(id)), ct));

    private static OrganizationId Organization(Guid? id) => new(id ?? Guid.Empty);

    private static DeploymentId? Deployment(Guid? id) => id is { } value ? new DeploymentId(value) : null;
}
