using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Deployments;

internal static class DeploymentReads
{
    public static string SecretContext(Deployment deployment, string setting) =>
        SecretContext(deployment.OrganizationId, deployment.TeamId, deployment.Name, setting);

    public static string SecretContext(OrganizationId org, TeamId team, string name, string setting) =>
        $"deployment-secret/{org}/{team}/{name}/{setting}";

    public static DeploymentDetails ToDetails(Deployment d, string templateName, TemplateSpec? spec) => new(
        d.Id.Value, d.OrganizationId.Value, d.TeamId.Value, d.Name, d.State.ToCode(), d.Phase.ToCode(), d.PhaseMessage, d.Url,
        d.TemplateId.Value, templateName, d.TemplateVersion, d.Values, d.Secrets.Select(s => s.Name).Order(StringComparer.Ordinal).ToList(),
        spec is null ? [] : spec.Services.Select(s => new DeploymentService(s.Name, s.Image, s.Replicas,
            d.Observed.Services.FirstOrDefault(o => o.Name == s.Name)?.ReadyReplicas,
            s.Ports.Select(p => new ServicePortDto(p.Name, p.Port, p.Public)).ToList())).ToList(),
        d.Observed.Conditions.Select(c => new DeploymentCondition(c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime)).ToList(),
        d.CreatedBy.Value, d.CreatedAt, d.UpdatedAt);

    /// <summary>
    /// Where a deployment's workloads live in the cluster: its team's namespace and its name (404 for no such deployment).
    /// Without the cluster port <typeparamref name="TPort"/> (KUBERNETES_ENABLED=false): 503 <c>cluster.disabled</c>, saying
    /// there is <paramref name="nothingToShow"/>.
    /// </summary>
    public static async Task<(string Namespace, string Name)> PlacementAsync<TPort>(IAppDbContext db, DeploymentOptions options, IServiceProvider services,
        DeploymentId id, string nothingToShow, CancellationToken cancellationToken) where TPort : class
    {
        var deployment = await db.Deployments.AsNoTracking().Where(d => d.Id == id)
            .Select(d => new { d.TeamId, d.Name }).SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("deployment", id.Value);
        if (services.GetService(typeof(TPort)) is null)
            throw new ServiceUnavailableException("cluster.disabled", $"This server runs without a Kubernetes cluster (KUBERNETES_ENABLED=false), so {nothingToShow}");
        return (options.NamespaceFor(deployment.TeamId), deployment.Name);
    }

    /// <summary>A template version's name and parsed spec; 404 <c>template_version.not_found</c> when there is no such version.</summary>
    public static async Task<(string Name, TemplateSpec Spec)> TemplateOfAsync(
        IAppDbContext db, TemplateSpecCache specs, TemplateId template, int version, CancellationToken cancellationToken)
    {
        var row = await db.Templates.AsNoTracking().Where(t => t.Id == template)
            .SelectMany(t => t.Versions.Where(v => v.Number == version), (t, v) => new { t.Name, v.Spec })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("template_version", version);
        return (row.Name, specs.Get(template, version, row.Spec));
    }

    public static async Task<DeploymentDetails> DetailsAsync(IAppDbContext db, TemplateSpecCache specs, Deployment deployment, CancellationToken cancellationToken)
    {
        var (name, spec) = await TemplateOfAsync(db, specs, deployment.TemplateId, deployment.TemplateVersion, cancellationToken);
        return ToDetails(deployment, name, spec);
    }
}
