using CleanScheduler.Application.Common;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>The Kubernetes client's errors as the use cases know them (<see cref="ClusterUnavailableException"/>, <see cref="ClusterRefusedException"/>).</summary>
internal static class ClusterErrors
{
    public static async Task<T> Translate<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (Translated(e) is { } translated) { throw translated; }
    }

    public static async Task Translate(Func<Task> call)
    {
        try { await call(); }
        catch (Exception e) when (Translated(e) is { } translated) { throw translated; }
    }

    public static Exception? Translated(Exception e) => e switch
    {
        KubeUnavailableException => new ClusterUnavailableException(e.Message, e),
        KubeApiException api => new ClusterRefusedException(api.Message, api.ApiMessage, api.RequestRejected,
            healsOnRetry: api is KubeNotFoundException or KubeConflictException, api),
        _ => null,
    };
}
