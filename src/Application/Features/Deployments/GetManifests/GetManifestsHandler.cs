using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Deployments;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetManifestsHandler(
    IAppDbContext db, ResourceAuthorizer authorizer, ISecretCipher cipher, TemplateSpecCache specs, DeploymentOptions options, IDeploymentManifests manifests,
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

        var rendered = manifests.Render(new ManifestRequest(deployment, options.NamespaceFor(deployment.TeamId), subscription.Tier, subscription.Limits, spec,
            deployment.Secrets.ToDictionary(s => s.Name, s => mayReadSecrets ? Decrypt(deployment, s) : null, StringComparer.Ordinal)));
        if (rendered.Problem is { } problem) throw RenderLimitException.For(problem, problem.Path);   // stored before the limits existed: 422, not 500
        return new Manifests($"{deployment.Name}.yaml", rendered.Yaml!, rendered.Objects);
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
