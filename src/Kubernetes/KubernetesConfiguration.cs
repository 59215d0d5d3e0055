using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Exceptions;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// Where the API server is and how to authenticate to it, read by the package: in the cluster when
/// KUBERNETES_SERVICE_HOST is set (service account; the package re-reads the rotated token), else the kubeconfig of
/// KUBECONFIG or ~/.kube/config (its current context, with every auth the package supports: tokens, client
/// certificates, exec credential plugins).
/// </summary>
public static class KubernetesConfiguration
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The configuration, or a missing or malformed one as one line of <paramref name="error"/>.</summary>
    public static bool TryDiscover(Func<string, string?>? environment, [NotNullWhen(true)] out KubernetesClientConfiguration? configuration, out string error)
    {
        (configuration, error) = (null, "");
        try { configuration = Discover(environment ?? Environment.GetEnvironmentVariable); }
        catch (Exception e) when (e is KubeConfigException or KubernetesClientException or IOException or UnauthorizedAccessException or FormatException
                                       or ArgumentException or System.Security.Cryptography.CryptographicException or YamlDotNet.Core.YamlException)
        {
            error = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message}: {inner.Message}" : e.Message;
            error = error.ReplaceLineEndings(" ");
        }
        return configuration is not null;
    }

    private static KubernetesClientConfiguration Discover(Func<string, string?> environment)
    {
        if (environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 }) return KubernetesClientConfiguration.InClusterConfig();
        var path = environment("KUBECONFIG") is { Length: > 0 } configured
            ? configured.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(path))
            throw new KubeConfigException($"no Kubernetes configuration: KUBERNETES_SERVICE_HOST is not set and the kubeconfig '{path}' does not exist (set KUBECONFIG)");
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
    }
}
