using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace CleanScheduler.Kubernetes;

/// <summary>
/// Where the API server is and how to authenticate to it: from the pod's service account (in the cluster) or from
/// a kubeconfig file (current context: server, CA, bearer token or client certificate). The token of a service
/// account is re-read from its file once a minute, because the kubelet rotates it.
/// </summary>
public sealed class KubernetesConnection
{
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly Func<string?> _token;

    public KubernetesConnection(Uri server, Func<string?> token, X509Certificate2Collection? certificateAuthorities = null,
        X509Certificate2? clientCertificate = null, bool insecureSkipTlsVerify = false, string? @namespace = null)
    {
        Server = server;
        _token = token;
        CertificateAuthorities = certificateAuthorities;
        ClientCertificate = clientCertificate;
        InsecureSkipTlsVerify = insecureSkipTlsVerify;
        Namespace = @namespace;
    }

    public Uri Server { get; }
    public X509Certificate2Collection? CertificateAuthorities { get; }
    public X509Certificate2? ClientCertificate { get; }
    public bool InsecureSkipTlsVerify { get; }

    /// <summary>The namespace of the service account or of the kubeconfig context, if any.</summary>
    public string? Namespace { get; }

    public string? Token => _token();

    /// <summary>In the cluster when KUBERNETES_SERVICE_HOST is set, else the kubeconfig of KUBECONFIG or ~/.kube/config.</summary>
    public static KubernetesConnection Discover(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 } host)
            return InCluster(host, environment("KUBERNETES_SERVICE_PORT") ?? "443", ServiceAccountDirectory);
        var path = environment("KUBECONFIG") is { Length: > 0 } configured
            ? configured.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0]
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(path))
            throw new InvalidOperationException($"no Kubernetes configuration: KUBERNETES_SERVICE_HOST is not set and the kubeconfig '{path}' does not exist (set KUBECONFIG)");
        return FromKubeconfig(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary><see cref="Discover"/>, with a missing or malformed configuration as one line of <paramref name="error"/>.</summary>
    public static bool TryDiscover(Func<string, string?>? environment, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KubernetesConnection? connection, out string error)
    {
        (connection, error) = (null, "");
        try { connection = Discover(environment); }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException or UriFormatException
                                       or System.Security.Cryptography.CryptographicException or YamlDotNet.Core.YamlException)
        {
            error = e.Message;
        }
        return connection is not null;
    }

    public static KubernetesConnection InCluster(string host, string port, string directory)
    {
        var tokenFile = Path.Combine(directory, "token");
        var caFile = Path.Combine(directory, "ca.crt");
        var namespaceFile = Path.Combine(directory, "namespace");
        var authorities = File.Exists(caFile) ? Certificates(File.ReadAllText(caFile)) : null;
        var @namespace = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : null;
        var hostPart = host.Contains(':') && !host.StartsWith('[') ? $"[{host}]" : host;
        return new KubernetesConnection(new Uri($"https://{hostPart}:{port}"), RotatingFile(tokenFile, TimeSpan.FromMinutes(1)), authorities, null, false, @namespace);
    }

    /// <summary>Reads the kubeconfig's current context. Relative file paths are relative to <paramref name="baseDirectory"/>.</summary>
    public static KubernetesConnection FromKubeconfig(string yaml, string baseDirectory)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidOperationException("the kubeconfig is empty or not a mapping");

        var contextName = Scalar(root, "current-context") ?? throw new InvalidOperationException("the kubeconfig has no current-context");
        var context = Named(root, "contexts", contextName, "context");
        var cluster = Named(root, "clusters", Scalar(context, "cluster") ?? "", "cluster");
        var user = Scalar(context, "user") is { } userName ? Named(root, "users", userName, "user") : new YamlMappingNode();

        var server = Scalar(cluster, "server") ?? throw new InvalidOperationException($"cluster of context '{contextName}' has no server");
        var authorities = Data(cluster, "certificate-authority", baseDirectory) is { } ca ? Certificates(ca) : null;
        var insecure = Scalar(cluster, "insecure-skip-tls-verify") == "true";

        X509Certificate2? clientCertificate = null;
        if (Data(user, "client-certificate", baseDirectory) is { } certificate && Data(user, "client-key", baseDirectory) is { } key)
        {
            using var pem = X509Certificate2.CreateFromPem(certificate, key);
            // SslStream needs a certificate whose key is not ephemeral on some platforms: round-trip through PKCS#12.
            clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        Func<string?> token = () => null;
        if (Scalar(user, "token") is { } fixedToken) token = () => fixedToken;
        else if (Scalar(user, "tokenFile") is { } tokenFile) token = RotatingFile(Resolve(tokenFile, baseDirectory), TimeSpan.FromMinutes(1));
        return new KubernetesConnection(new Uri(server.TrimEnd('/')), token, authorities, clientCertificate, insecure, Scalar(context, "namespace"));
    }

    /// <summary>Validates the server's certificate against the configured CA bundle (or the system's when there is none).</summary>
    public bool ValidateServerCertificate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (InsecureSkipTlsVerify) return true;
        if (CertificateAuthorities is null || CertificateAuthorities.Count == 0) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(CertificateAuthorities);
        return custom.Build(certificate);
    }

    private static Func<string?> RotatingFile(string path, TimeSpan refresh)
    {
        var gate = new Lock();
        string? value = null;
        var readAt = DateTime.MinValue;
        return () =>
        {
            lock (gate)
            {
                if (value is null || DateTime.UtcNow - readAt >= refresh)
                {
                    value = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
                    readAt = DateTime.UtcNow;
                }
                return value;
            }
        };
    }

    private static X509Certificate2Collection Certificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static YamlMappingNode Named(YamlMappingNode root, string section, string name, string inner)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(section), out var list) && list is YamlSequenceNode items)
            foreach (var item in items.OfType<YamlMappingNode>())
                if (Scalar(item, "name") == name && item.Children.TryGetValue(new YamlScalarNode(inner), out var body) && body is YamlMappingNode mapping)
                    return mapping;
        throw new InvalidOperationException($"the kubeconfig has no {inner} named '{name}' in {section}");
    }

    /// <summary>PEM text from <c>KEY-data</c> (base64) or from the file named by <c>KEY</c>.</summary>
    private static string? Data(YamlMappingNode node, string key, string baseDirectory)
    {
        if (Scalar(node, key + "-data") is { } data) return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data));
        return Scalar(node, key) is { } file ? File.ReadAllText(Resolve(file, baseDirectory)) : null;
    }

    private static string Resolve(string path, string baseDirectory) => Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory, path);
}
