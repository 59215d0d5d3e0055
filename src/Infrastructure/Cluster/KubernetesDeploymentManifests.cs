using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>The template format and the renderer of src/Kubernetes, the same code the operator runs.</summary>
public sealed class KubernetesDeploymentManifests(RenderOptions options) : IDeploymentManifests
{
    public TemplateSpec? ParseTemplate(string? yaml, out IReadOnlyList<SpecError> errors) => TemplateSpecYaml.Parse(yaml, out errors);

    public RenderLimitProblem? CheckRenderLimits(TemplateSpec spec, IReadOnlyDictionary<string, string> values, string name, string host) =>
        ManifestRenderer.CheckRenderLimits(RenderInput.ForLimits(spec, values, name, host));

    public RenderedManifests Render(ManifestRequest request)
    {
        var deployment = request.Deployment;
        var input = new RenderInput(
            deployment.Name, request.Namespace, deployment.Id.Value, deployment.OrganizationId.Value, deployment.TeamId.Value,
            deployment.CreatedBy.Value, deployment.OwnerHandle, request.Tier, request.Limits, request.Spec, deployment.Values, new Dictionary<string, string?>(),
            deployment.State == DesiredState.Running, deployment.Host,
            ServiceSecrets: KubernetesDeploymentPublisher.ServiceSecrets(deployment, request.ServiceSecrets, withValues: false)
                .Select(s => options.ClusterSecretStore is null ? s with { Keys = s.Keys.Select(k => k with { RemoteKey = null }).ToList() } : s).ToList());
        var (objects, problem) = ManifestRenderer.TryRender(input, options);
        return objects is null ? new RenderedManifests(null, 0, problem) : new RenderedManifests(YamlJson.Write(objects), objects.Count, null);
    }
}
