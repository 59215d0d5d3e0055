namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>Waits for a condition that a controller brings about asynchronously; fails with a description on time-out.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    public static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<bool> probe, string what, TimeSpan? timeout = null) =>
        await WaitAsync(() => probe() ? "" : null, what, timeout);
}
