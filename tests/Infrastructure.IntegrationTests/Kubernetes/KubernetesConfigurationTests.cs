using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>Where the configuration comes from, and a missing or malformed one as one line.</summary>
public sealed class KubernetesConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cs-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Func<string, string?> Environment(string kubeconfig) => name => name switch
    {
        "KUBECONFIG" => kubeconfig,
        "KUBERNETES_SERVICE_HOST" => "",
        _ => null,
    };

    [Fact]
    public void A_kubeconfig_gives_server_token_namespace_and_a_certificate_authority_relative_to_its_file()
    {
        using var key = ECDsa.Create();
        using var ca = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        Directory.CreateDirectory(Path.Combine(_directory, "pki"));
        File.WriteAllText(Path.Combine(_directory, "pki", "ca.crt"), ca.ExportCertificatePem());
        var path = Path.Combine(_directory, "config");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: work
            clusters: [{ name: c, cluster: { server: "https://kube.example:6443", certificate-authority: pki/ca.crt } }]
            users: [{ name: u, user: { token: secret-token } }]
            contexts: [{ name: work, context: { cluster: c, user: u, namespace: team-a } }]
            """);

        Assert.True(KubernetesConfiguration.TryDiscover(Environment(path), out var configuration, out var error), error);
        Assert.Equal("https://kube.example:6443", configuration.Host);
        Assert.Equal("secret-token", configuration.AccessToken);
        Assert.Equal("team-a", configuration.Namespace);
        Assert.Equal(ca.Thumbprint, Assert.Single(configuration.SslCaCerts!).Thumbprint);
    }

    [Theory]
    [InlineData("current-context: [unclosed", "")]
    [InlineData("apiVersion: v1\nkind: Config\ncurrent-context: nowhere\nclusters: []\nusers: []\ncontexts: []", "nowhere")]
    public void A_malformed_kubeconfig_is_one_line(string text, string mentioned)
    {
        var path = Path.Combine(_directory, "config");
        File.WriteAllText(path, text);
        Assert.False(KubernetesConfiguration.TryDiscover(Environment(path), out _, out var error));
        Assert.NotEmpty(error);
        Assert.DoesNotContain('\n', error);
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_kubeconfig_names_the_file()
    {
        var path = Path.Combine(_directory, "absent");
        Assert.False(KubernetesConfiguration.TryDiscover(Environment(path), out _, out var error));
        Assert.StartsWith("no Kubernetes configuration", error, StringComparison.Ordinal);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }
}
