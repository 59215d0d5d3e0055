using CleanScheduler.Operator.Controllers;

namespace CleanScheduler.Operator.Tests;

public sealed class WorkQueueTests
{
    [Fact]
    public async Task A_key_waits_for_one_delayed_add_at_a_time_the_earliest()
    {
        var queue = new WorkQueue();
        queue.AddAfter("ns/a", TimeSpan.FromMilliseconds(300));
        queue.AddAfter("ns/a", TimeSpan.FromMilliseconds(100));
        queue.AddAfter("ns/a", TimeSpan.FromMilliseconds(200));

        using var first = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        Assert.Equal("ns/a", await queue.TakeAsync(first.Token));
        queue.Done("ns/a");

        // The later ones were superseded: nothing more arrives (before, each delayed add queued the key again).
        using var after = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.TakeAsync(after.Token));
    }

    [Fact]
    public void Back_off_doubles_from_the_base_delay_up_to_the_cap_and_starts_over_once_forgotten()
    {
        var queue = new WorkQueue { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) };
        var delays = Enumerable.Range(0, 6).Select(_ => (int)queue.AddRateLimited("ns/a").TotalMilliseconds).ToList();
        Assert.Equal([100, 200, 400, 800, 1000, 1000], delays);
        queue.Forget("ns/a");
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.AddRateLimited("ns/a"));
    }
}
