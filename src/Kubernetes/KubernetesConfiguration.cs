using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

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

    // The deserializer below builds the package's kubeconfig model by reflection: in the operator's Native AOT binary
    // these types' constructors and properties must survive trimming.
    private const DynamicallyAccessedMemberTypes Model = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties;

    [DynamicDependency(Model, typeof(K8SConfiguration))]
    [DynamicDependency(Model, typeof(Cluster))]
    [DynamicDependency(Model, typeof(ClusterEndpoint))]
    [DynamicDependency(Model, typeof(Context))]
    [DynamicDependency(Model, typeof(ContextDetails))]
    [DynamicDependency(Model, typeof(User))]
    [DynamicDependency(Model, typeof(UserCredentials))]
    [DynamicDependency(Model, typeof(AuthProvider))]
    [DynamicDependency(Model, typeof(ExternalExecution))]
    [DynamicDependency(Model, typeof(NamedExtension))]
    [DynamicDependency(Model, typeof(List<>))]
    [DynamicDependency(Model, typeof(Dictionary<,>))]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The model types are kept above; they are plain classes with string, list and dictionary properties.")]
    private static KubernetesClientConfiguration Discover(Func<string, string?> environment)
    {
        if (environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 }) return KubernetesClientConfiguration.InClusterConfig();
        var path = environment("KUBECONFIG") is { Length: > 0 } configured
            ? configured.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(path))
            throw new KubeConfigException($"no Kubernetes configuration: KUBERNETES_SERVICE_HOST is not set and the kubeconfig '{path}' does not exist (set KUBECONFIG)");
        // The package's own model of the file, read by a plain deserializer: its BuildConfigFromConfigFile reads it with
        // KubernetesYaml, which maps every model type of the package first (about 17 MB of RSS and 5 MB of heap, for good).
        var kubeconfig = new YamlDotNet.Serialization.DeserializerBuilder().IgnoreUnmatchedProperties().Build().Deserialize<K8SConfiguration>(File.ReadAllText(path)) ?? throw new KubeConfigException($"the kubeconfig '{path}' is empty");
        kubeconfig.FileName = Path.GetFullPath(path);   // relative certificate and key paths are relative to the file
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig);
    }
}
