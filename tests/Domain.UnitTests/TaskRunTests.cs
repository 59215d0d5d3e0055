using CleanScheduler.Domain.Billing;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tasks;
using CleanScheduler.Domain.Tenancy;
using static CleanScheduler.Domain.UnitTests.TestPlans;

namespace CleanScheduler.Domain.UnitTests;

public sealed class TaskRunTests
{
    private static readonly UserId Owner = UserId.New();
    private static readonly TaskStep Step = new(TaskRun.SingleStep, new TaskDefinition("busybox:1.36", ["echo", "hi"], new Dictionary<string, string>(), 600));

    private static (Subscription Subscription, TeamId Team) Start(Tier tier)
    {
        var (_, team, subscription) = Organization.Found("Acme", Slug.From("acme"), Owner, For(Tier.Free), Now);
        subscription.ChangePlan(For(tier), Now);
        subscription.ClearDomainEvents();
        return (subscription, team.Id);
    }

    [Theory]
    [InlineData(Tier.Free, 1)]
    [InlineData(Tier.Business, 10)]
    public void A_task_starts_below_the_plans_limit_on_unfinished_tasks_and_not_at_it(Tier tier, int limit)
    {
        var (subscription, team) = Start(tier);

        var task = subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Task, [Step], limit - 1, Now);
        var error = Assert.Throws<RuleViolationException>(() => subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Task, [Step], limit, Now));

        Assert.Equal((TaskPhase.Pending, 1L), (task.Phase, task.Revision));
        Assert.StartsWith("task-", task.Name);
        Assert.Equal("tier.task_limit", error.Code);
    }

    [Fact]
    public void Enterprise_has_no_limit_on_unfinished_tasks()
    {
        var (subscription, team) = Start(Tier.Enterprise);

        var workflow = subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Workflow, [Step with { Name = "one" }, Step with { Name = "two" }], 10_000, Now);

        Assert.StartsWith("wf-", workflow.Name);
        Assert.Equal(["one", "two"], workflow.StepReports.Select(s => s.Name));
    }

    [Fact]
    public void A_cancel_raises_the_revision_and_a_later_report_does_not_bring_the_task_back()
    {
        var (subscription, team) = Start(Tier.Business);
        var task = subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Task, [Step], 0, Now);
        Assert.True(task.Report(TaskPhase.Running, null, null, [], Now));

        task.Cancel(Now);

        Assert.Equal((TaskPhase.Cancelled, 2L), (task.Phase, task.Revision));
        Assert.False(task.Report(TaskPhase.Succeeded, null, new Dictionary<string, string> { ["a"] = "b" }, [], Now));
        Assert.Equal(TaskPhase.Cancelled, task.Phase);
        Assert.Equal("task.finished", Assert.Throws<RuleViolationException>(() => task.Cancel(Now)).Code);
    }

    [Fact]
    public void A_report_is_bounded_and_the_same_report_twice_changes_nothing()
    {
        var (subscription, team) = Start(Tier.Business);
        var task = subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Task, [Step], 0, Now);
        var output = Enumerable.Range(0, 100).ToDictionary(i => $"k{i}", _ => new string('x', 10_000));

        Assert.True(task.Report(TaskPhase.Succeeded, new string('m', 5000), output, [], Now));

        Assert.Equal(TaskRun.MaxOutputs, task.Output!.Count);
        Assert.All(task.Output.Values, v => Assert.Equal(TaskRun.MaxOutputLength, v.Length));
        Assert.Equal(TaskRun.MaxMessageLength, task.Message!.Length);
        Assert.Equal(Now, task.FinishedAt);
        Assert.False(task.Report(TaskPhase.Succeeded, new string('m', 5000), output, [], Now));
    }

    [Fact]
    public void Output_keys_equal_once_cut_keep_the_first_value_and_the_task_finishes()
    {
        var (subscription, team) = Start(Tier.Business);
        var task = subscription.StartTask(team, subscription.OrganizationId, Owner, TaskKind.Task, [Step], 0, Now);
        var prefix = new string('k', 128);
        var output = new Dictionary<string, string> { [prefix + "a"] = "first", [prefix + "b"] = "second", ["short"] = "s" };
        var steps = new List<StepReport> { new(TaskRun.SingleStep, "Succeeded", output) };

        Assert.True(task.Report(TaskPhase.Succeeded, null, output, steps, Now));

        Assert.Equal(TaskPhase.Succeeded, task.Phase);
        var kept = new Dictionary<string, string> { [prefix] = "first", ["short"] = "s" };
        Assert.Equal(kept, task.Output!.ToDictionary());
        Assert.Equal(kept, task.StepReports[0].Output!.ToDictionary());
    }

    [Theory]
    [InlineData("busybox", true)]
    [InlineData("busybox:1.36", true)]
    [InlineData("registry.example.com:5000/team/app:v1.2-rc_3", true)]
    [InlineData("ghcr.io/org/tool@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("Busybox", false)]
    [InlineData("busybox; rm -rf /", false)]
    [InlineData("busybox:", false)]
    [InlineData("-busybox", false)]
    [InlineData("", false)]
    public void Image_references_follow_the_distribution_grammar(string image, bool valid) => Assert.Equal(valid, TaskRules.IsImage(image));
}
