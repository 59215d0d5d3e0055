using CleanScheduler.Kubernetes;
using k8s;

namespace CleanScheduler.TestSupport.Kubernetes;

public static class KubeClient
{
    /// <summary>Our client through the package, to <paramref name="server"/> with a bearer token or none.</summary>
    public static KubernetesApiClient For(Uri server, string userAgent = "cleanscheduler-test", string? token = null) =>
        new(new KubernetesClientConfiguration { Host = server.ToString().TrimEnd('/'), AccessToken = token }, userAgent);
}
