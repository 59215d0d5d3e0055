using System.Text.Json;
using System.Text.Json.Nodes;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// <see cref="TierLimits"/> as stored in <c>plans.limits</c> and <c>subscriptions.limits</c> (jsonb):
/// <c>{"maxDeployments":5,"maxMembersPerTeam":10,"customTemplates":true,"orgTemplates":false,"isolation":"namespace","quota":{"cpu":"8","memory":"16Gi","pods":50},"maxConcurrentTasks":10}</c>
/// (a missing maxConcurrentTasks: unlimited; migration 0018 wrote the tiers' defaults into the rows it found).
/// </summary>
public static class LimitsJson
{
    public static string Write(TierLimits limits) => new JsonObject
    {
        ["maxDeployments"] = limits.MaxDeployments,
        ["maxMembersPerTeam"] = limits.MaxMembersPerTeam,
        ["customTemplates"] = limits.CustomTemplates,
        ["orgTemplates"] = limits.OrgTemplates,
        ["isolation"] = limits.Isolation.ToCode(),
        ["quota"] = limits.Quota is { } q ? new JsonObject { ["cpu"] = q.Cpu, ["memory"] = q.Memory, ["pods"] = q.Pods } : null,
        ["maxConcurrentTasks"] = limits.MaxConcurrentTasks,
    }.ToJsonString();

    public static TierLimits Read(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var quota = node["quota"] as JsonObject;
        return new TierLimits(
            node["maxDeployments"]?.GetValue<int>(),
            node["maxMembersPerTeam"]?.GetValue<int>(),
            node["customTemplates"]!.GetValue<bool>(),
            node["orgTemplates"]!.GetValue<bool>(),
            node["isolation"]!.GetValue<string>() switch
            {
                "namespace" => NetworkIsolation.Namespace,
                "dedicated" => NetworkIsolation.Dedicated,
                "shared" => NetworkIsolation.Shared,
                var other => throw new JsonException($"Unknown isolation '{other}'."),
            },
            quota is null ? null : new ResourceQuotaLimits(quota["cpu"]!.GetValue<string>(), quota["memory"]!.GetValue<string>(), quota["pods"]!.GetValue<int>()),
            node["maxConcurrentTasks"]?.GetValue<int>());
    }
}
