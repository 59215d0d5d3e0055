using System.Text.RegularExpressions;

namespace CleanScheduler.Kubernetes.UnitTests;

/// <summary>The names the server gives Secrets in a team's namespace: one per service, never shared by two (deployment, service) pairs.</summary>
public sealed partial class ClusterNamesTests
{
    [Theory]
    [InlineData("a", "b-c", "a-b", "c")]
    [InlineData("shop", "db-x", "shop-db", "x")]
    public void Service_Secret_names_of_two_pairs_with_the_same_dashed_text_differ(string deployment1, string service1, string deployment2, string service2)
    {
        Assert.Equal($"{deployment1}-{service1}", $"{deployment2}-{service2}");   // the same text joined by dashes...
        Assert.NotEqual(ClusterNames.ServiceSecretName(deployment1, service1), ClusterNames.ServiceSecretName(deployment2, service2));
    }

    [Fact]
    public void A_service_Secret_name_is_never_the_legacy_Secret_name_of_a_deployment()
    {
        var name = ClusterNames.ServiceSecretName("a", "b");
        Assert.False(name.EndsWith("-secrets", StringComparison.Ordinal) && DnsLabel().IsMatch(name[..^"-secrets".Length]),
            $"{name} is the legacy Secret name of a deployment");
    }

    [Fact]
    public void The_longest_names_are_DNS_subdomains()
    {
        var name = ClusterNames.ServiceSecretName(new string('d', 63), new string('s', 63));
        Assert.True(name.Length <= 253);
        Assert.Matches(@"\A[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*\z", name);   // and each label at most 63
        Assert.Equal(name, ClusterNames.ServiceSecretName(new string('d', 63), new string('s', 63)));   // stable
    }

    [GeneratedRegex(@"\A[a-z]([-a-z0-9]*[a-z0-9])?\z")]
    private static partial Regex DnsLabel();
}
