using System.Net;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>The cluster accepts one bearer token only; the server and the operator get it from an exec credential plugin.</summary>
public sealed class ExecPluginClusterApiFactory : ClusterApiFactory
{
    public const string Token = "exec-plugin-token-9b2e";

    protected override string WriteKubeconfig(KubeApiServerTestDouble kube)
    {
        kube.RequiredToken = Token;
        return Kubeconfig.WriteWithExecPlugin(kube.Address, Token);
    }
}

/// <summary>
/// As on EKS, GKE or AKS: the kubeconfig's user is an exec credential plugin (a script that prints an ExecCredential),
/// and both the server's cluster sync and the built operator binary connect through it to a test API server that
/// accepts only the plugin's token.
/// </summary>
public sealed class ExecCredentialPluginTests(ExecPluginClusterApiFactory factory) : IClassFixture<ExecPluginClusterApiFactory>, IAsyncLifetime
{
    private OperatorProcess? _operator;

    public Task InitializeAsync()
    {
        factory.Kube.AutoReadyDeployments = true;
        _operator = OperatorProcess.Start(factory.KubeconfigPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _operator?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_server_and_the_operator_authenticate_with_the_token_an_exec_plugin_prints()
    {
        // The API server really refuses anything else: a wrong token is 401, none is 403 (system:anonymous).
        using (var wrong = KubeClient.For(factory.Kube.Address, token: "not-the-token"))
            Assert.Equal(401, Assert.IsType<KubeApiException>(await Record.ExceptionAsync(() => wrong.ListAsync(KubeResource.UserDeployments, null))).StatusCode);
        using (var anonymous = KubeClient.For(factory.Kube.Address))
            Assert.Equal(403, Assert.IsType<KubeApiException>(await Record.ExceptionAsync(() => anonymous.ListAsync(KubeResource.UserDeployments, null))).StatusCode);

        var (owner, team, id) = await OperatorProcess.DeployShopAsync(factory);

        // Written by the server's sync, reconciled by the operator, reported back through the sync: all with the plugin's token.
        await Eventually.WaitAsync(async () =>
            (await owner.ExpectAsync(owner.GetAsync($"/api/deployments/{id}"), HttpStatusCode.OK)).GetProperty("phase").GetString() == "Running" ? "" : null,
            "phase Running", TimeSpan.FromSeconds(60));
        Assert.Equal(2, factory.Kube.List("apps/v1", "deployments", $"sandbox-{team}").Count);
        Assert.True(Kubeconfig.PluginRuns(factory.KubeconfigPath) >= 2, "the server and the operator each ran the credential plugin");
    }
}
