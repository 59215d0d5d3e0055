using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using static CleanScheduler.Domain.UnitTests.TestPlans;

namespace CleanScheduler.Domain.UnitTests;

/// <summary>A deployment's revision numbers the owner's wishes: every change the cluster must be told of raises it, nothing else does.</summary>
public sealed class DeploymentRevisionTests
{
    private static Deployment Launch()
    {
        var (org, _, subscription) = Organization.Found("Acme", Slug.From("acme"), UserId.New(), For(Tier.Business), Now);
        return subscription.LaunchDeployment(new TeamId(Guid.NewGuid()), org.Id, DeploymentName.From("web"), UserId.New(), "alice", "apps.test",
            new TemplateId(Guid.NewGuid()), 1, new Dictionary<string, string>(), [], Now);
    }

    [Fact]
    public void A_launched_deployment_is_at_revision_1_and_each_change_for_the_cluster_raises_it_by_one()
    {
        var deployment = Launch();
        Assert.Equal(1, deployment.Revision);

        deployment.Stop(Now);
        Assert.Equal(2, deployment.Revision);
        deployment.Start(Now);
        Assert.Equal(3, deployment.Revision);
        deployment.Reconfigure(1, new Dictionary<string, string> { ["TITLE"] = "x" }, [], Now);
        Assert.Equal(4, deployment.Revision);
        deployment.PlanChanged(Now);
        Assert.Equal(5, deployment.Revision);
        Assert.Equal(5, deployment.DomainEvents.Count);   // one event (one outbox row) per revision
    }

    [Fact]
    public void A_change_that_changes_nothing_keeps_the_revision()
    {
        var deployment = Launch();
        deployment.Start(Now);   // already running
        Assert.Equal(1, deployment.Revision);
        deployment.Stop(Now);
        deployment.Stop(Now);
        Assert.Equal(2, deployment.Revision);
    }
}
