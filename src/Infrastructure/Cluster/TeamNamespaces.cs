using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Kubernetes;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// Makes sure a team's namespace exists before the server writes into it (deployments and tasks), labelled with its
/// organization's and team's ids. One that already exists must not be labelled with another organization (made by hand,
/// or a KUBERNETES_NAMESPACE that does not name one namespace per team): the write is then refused rather than put beside
/// another tenant's.
/// </summary>
public sealed class TeamNamespaces(IKubernetesClient kube, ILogger<TeamNamespaces> logger)
{
    /// <summary>Namespaces this process already made sure exist (forgotten when a write into one answers 404).</summary>
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public async Task EnsureAsync(string ns, OrganizationId organizationId, TeamId? team, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey(ns)) return;
        var organization = organizationId.Value.ToString();
        var labels = new JsonObject { ["app.kubernetes.io/part-of"] = "cleanscheduler" };
        if (team is { } t) (labels[ClusterNames.OrganizationLabel], labels[ClusterNames.TeamLabel]) = (organization, t.Value.ToString());
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = labels },
        };
        try { await kube.CreateAsync(KubeResource.Namespaces, body, cancellationToken); }
        catch (KubeConflictException e) when (e.AlreadyExists)
        {
            var existing = await kube.GetAsync(KubeResource.Namespaces, null, ns, cancellationToken);
            if (team is not null && (string?)existing?["metadata"]?["labels"]?[ClusterNames.OrganizationLabel] is { } other && other != organization)
            {
                logger.LogError("Namespace {Namespace} is labelled {Label}={Other}, not organization {Organization}: not writing into it",
                    ns, ClusterNames.OrganizationLabel, other, organization);
                throw new NamespaceOfAnotherOrganizationException(ns);
            }
        }
        _known.TryAdd(ns, 0);
    }

    /// <summary>The namespace went away: create it again on the next write.</summary>
    public void Forget(string ns) => _known.TryRemove(ns, out _);
}
