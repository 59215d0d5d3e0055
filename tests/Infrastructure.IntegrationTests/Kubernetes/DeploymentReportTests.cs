using System.Text.Json.Nodes;
using CleanScheduler.Infrastructure.Cluster;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>The server reads a UserDeployment's status as the operator's typed <see cref="UserDeploymentStatus"/>, and survives a broken one.</summary>
public sealed class DeploymentReportTests
{
    private static readonly Guid Id = Guid.NewGuid();

    private static JsonObject Resource(JsonNode? status) => new()
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = "UserDeployment",
        ["metadata"] = new JsonObject
        {
            ["name"] = "web", ["namespace"] = "sandbox-t", ["generation"] = 4,
            ["labels"] = new JsonObject { [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy, [ClusterNames.DeploymentIdLabel] = Id.ToString() },
        },
        ["spec"] = new JsonObject { ["desiredState"] = "running", ["revision"] = 3 },
        ["status"] = status,
    };

    [Fact]
    public void The_status_the_operator_writes_is_read_back_with_the_revision_it_describes()
    {
        var written = new UserDeploymentStatus("Running", "All services are ready", 4, 3, ["https://a-web.apps.test"],
            [new ServiceStatus("web", 2, 1)],
            [new Condition("Ready", "True", "AllReplicasReady", "ok", new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero), 4)]);

        var report = KubernetesDeploymentReports.ReportOf(Resource(CustomResources.ToJson(written)));

        Assert.Equal((Id, 4L, "running", true), (report.DeploymentId, report.Generation, report.DesiredState, report.ServerMade));
        var status = Assert.IsType<Application.Common.ReportedStatus>(report.Status);
        Assert.Equal(("Running", "All services are ready", 4L, 3L), (status.Phase, status.Message, status.ObservedGeneration, status.Revision));
        Assert.Equal(("web", 2, 1), (status.Observed.Services[0].Name, status.Observed.Services[0].DesiredReplicas, status.Observed.Services[0].ReadyReplicas));
        var ready = Assert.Single(status.Observed.Conditions);
        Assert.Equal(("Ready", "True", "AllReplicasReady", "ok"), (ready.Type, ready.Status, ready.Reason, ready.Message));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero), ready.LastTransitionTime);
    }

    [Fact]
    public void A_status_without_revision_reads_as_none_and_unnamed_items_are_left_out()
    {
        var report = KubernetesDeploymentReports.ReportOf(Resource(new JsonObject
        {
            ["phase"] = "Running", ["observedGeneration"] = 4,
            ["services"] = new JsonArray(new JsonObject { ["desiredReplicas"] = 1 }, null, new JsonObject { ["name"] = "db" }),
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready" }),
        }));

        Assert.Null(report.Status!.Revision);
        Assert.Equal(["db"], report.Status.Observed.Services.Select(s => s.Name));
        Assert.Empty(report.Status.Observed.Conditions);
    }

    [Theory]
    [InlineData("""{"phase":"Running","observedRevision":"3"}""")]
    [InlineData("""{"phase":"Running","observedRevision":3,"services":{"name":"web"}}""")]
    [InlineData("""{"phase":"Running","observedRevision":3,"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"yesterday"}]}""")]
    [InlineData("""{"phase":7,"observedRevision":3}""")]
    [InlineData("""{"observedRevision":3}""")]
    [InlineData("""[]""")]
    public void A_status_with_a_field_of_the_wrong_JSON_type_is_no_report_but_the_resource_still_counts(string status)
    {
        var report = KubernetesDeploymentReports.ReportOf(Resource(JsonNode.Parse(status)));

        Assert.Null(report.Status);
        Assert.Equal((Id, "sandbox-t", "web", true), (report.DeploymentId, report.Namespace, report.Name, report.ServerMade));   // the full comparison still sees it
    }

    [Fact]
    public void At_most_64_conditions_and_services_are_read()
    {
        var many = new JsonArray(Enumerable.Range(0, 1000).Select(i => (JsonNode?)new JsonObject { ["name"] = $"s{i}", ["desiredReplicas"] = 1, ["readyReplicas"] = 1 }).ToArray());
        var report = KubernetesDeploymentReports.ReportOf(Resource(new JsonObject { ["phase"] = "Running", ["observedRevision"] = 3, ["services"] = many }));

        Assert.Equal(64, report.Status!.Observed.Services.Count);
    }
}
