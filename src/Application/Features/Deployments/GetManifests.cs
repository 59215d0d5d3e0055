using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Application.Kubernetes;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>The rendered manifests of a deployment and the file name to download them as.</summary>
public sealed record Manifests(string FileName, string Yaml, int Objects);

/// <summary>
/// The Kubernetes objects of a deployment as multi-document YAML: exactly what the operator applies. Secret values
/// are included only for callers who may read secrets (team admins, developers); for others they are redacted.
/// Works without a cluster. A deployment whose text renders past the limits (stored before they existed) is a 422.
/// </summary>
public sealed record GetManifestsQuery(DeploymentId Id) : IRequest<Manifests>, IAuthorizedRequest
{
    public Permission Permission => Permission.DeployRead;
    public ResourceRef Resource => new ResourceRef.Deployment(Id);
}

public sealed class GetManifestsHandler(
    IAppDbContext db, ResourceAuthorizer authorizer, ISecretCipher cipher, TemplateSpecCache specs, DeploymentOptions options,
    ILogger<GetManifestsHandler> logger)
    : IRequestHandler<GetManifestsQuery, Manifests>
{
    public async Task<Manifests> Handle(GetManifestsQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken);
        var access = await authorizer.MembershipAsync(new ResourceRef.Deployment(query.Id), cancellationToken);
        var mayReadSecrets = Permissions.Allows(access.OrgRole, access.TeamRole, Permission.SecretsRead);
        var (_, spec) = await DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == deployment.OrganizationId, cancellationToken);

        var input = new RenderInput(
            deployment.Name, options.NamespaceFor(deployment.TeamId), deployment.Id.Value, deployment.OrganizationId.Value,
            deployment.TeamId.Value, deployment.CreatedBy.Value, deployment.OwnerHandle, subscription.Tier, subscription.Limits, spec,
            deployment.Values,
            deployment.Secrets.ToDictionary(s => s.Name, s => mayReadSecrets ? Decrypt(deployment, s) : null, StringComparer.Ordinal),
            deployment.State == DesiredState.Running, deployment.Host);
        var (objects, problem) = ManifestRenderer.TryRender(input, options.Render);
        if (objects is null) throw RenderLimitException.For(problem!, problem!.Path);   // stored before the limits existed: 422, not 500
        return new Manifests($"{deployment.Name}.yaml", YamlJson.Write(objects), objects.Count);
    }

    /// <summary>The plain value, or null (rendered as redacted) when the configured key cannot decrypt it.</summary>
    private string? Decrypt(Deployment deployment, SecretValue secret)
    {
        try
        {
            return cipher.Decrypt(secret.Ciphertext, secret.KeyId, DeploymentReads.SecretContext(deployment, secret.Name));
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            logger.LogWarning("Secret {Setting} of deployment {Deployment} cannot be decrypted ({Reason}); it is rendered redacted",
                secret.Name, deployment.Id, e.Message);
            return null;
        }
    }
}
