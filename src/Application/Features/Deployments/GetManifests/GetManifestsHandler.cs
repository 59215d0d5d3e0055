using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Deployments;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Deployments;

public sealed class GetManifestsHandler(
    IAppDbContext db, TemplateSpecCache specs, DeploymentOptions options, IDeploymentManifests manifests, ISecretValueStore store)
    : IRequestHandler<GetManifestsQuery, Manifests>
{
    /// <summary>The objects as the cluster gets them, secret values left out for everyone (they are write-only): the keys show where each is read from.</summary>
    public async Task<Manifests> Handle(GetManifestsQuery query, CancellationToken cancellationToken)
    {
        var deployment = await db.Deployments.AsNoTracking().GetAsync(query.Id, cancellationToken);
        var (_, spec) = await DeploymentReads.TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == deployment.OrganizationId, cancellationToken);
        var secrets = (await Secrets.DeploymentSecrets.EffectiveAsync(db, spec, deployment, cancellationToken))
            .GroupBy(e => e.Service, StringComparer.Ordinal)
            .Select(g => new ServiceSecretSet(g.Key, g.Select(e => new ServiceSecretValue(e.Key, Secrets.DeploymentSecrets.RemoteKey(store, e.Scope), null)).ToList())).ToList();

        var rendered = manifests.Render(new ManifestRequest(deployment, options.NamespaceFor(deployment.TeamId), subscription.Tier, subscription.Limits, spec, secrets));
        if (rendered.Problem is { } problem) throw RenderLimitException.For(problem, problem.Path);   // stored before the limits existed: 422, not 500
        return new Manifests($"{deployment.Name}.yaml", rendered.Yaml!, rendered.Objects);
    }
}
