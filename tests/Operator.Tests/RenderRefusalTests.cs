using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;
using static CleanScheduler.Operator.Tests.OperatorHarness;

namespace CleanScheduler.Operator.Tests;

/// <summary>
/// A UserDeployment the operator cannot render (too large once its variables are filled in, or a template that holds
/// only comments) gets phase Failed and a Degraded condition with the reason, nothing of it is applied, and the
/// operator goes on serving the others.
/// </summary>
public sealed class RenderRefusalTests : IAsyncLifetime
{
    private OperatorHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static JsonObject? Degraded(JsonObject? resource) =>
        resource?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Degraded") as JsonObject;

    [Fact]
    public async Task A_resource_whose_config_renders_past_the_limit_is_degraded_with_RenderLimitExceeded_and_others_still_run()
    {
        _h.Api.AutoReadyDeployments = true;
        _h.StartOperator();
        var bomb = UserDeployment("bomb");
        var spec = (JsonObject)bomb["spec"]!;
        spec["values"] = new JsonObject { ["GREETING"] = new string('v', 4096) };
        var web = (JsonObject)spec["services"]![0]!;
        web["configFiles"] = new JsonArray(new JsonObject
        {
            ["path"] = "/etc/bomb.conf",
            ["content"] = string.Concat(Enumerable.Repeat("{{GREETING}}", 5000)),   // 5,000 x 4 KiB = 20 MB once filled
        });

        await _h.Client.CreateAsync(KubeResource.UserDeployments, bomb);
        await _h.Client.CreateAsync(KubeResource.UserDeployments, UserDeployment("shop"));

        var failed = await Eventually.WaitAsync(() => _h.Resource("bomb") is { } r && Phase(r) == "Failed" ? r : null, "bomb Failed");
        var degraded = Degraded(failed)!;
        Assert.Equal("True", (string?)degraded["status"]);
        Assert.Equal(ManifestRenderer.RenderLimitReason, (string?)degraded["reason"]);
        Assert.Contains("256 KiB", (string?)failed["status"]!["message"]);
        await Eventually.WaitAsync(() => Phase(_h.Resource("shop")) == "Running" ? "" : null, "shop Running beside it");
        Assert.Null(_h.Deployment("bomb-web"));
        Assert.Null(_h.Api.Get("v1", "configmaps", Namespace, "bomb-web-config"));
    }

    [Theory]
    [InlineData("# a template of comments only\n# nothing else\n")]
    [InlineData("...\n")]
    public async Task A_published_template_of_comments_only_is_degraded_with_InvalidSpec(string template)
    {
        _h.StartOperator();
        await _h.Client.CreateAsync(KubeResource.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = TemplateConfigMap.Name("empty", 1), ["namespace"] = Namespace },
            ["data"] = new JsonObject { [TemplateConfigMap.Key] = template },
        });
        var resource = UserDeployment("site");
        var spec = (JsonObject)resource["spec"]!;
        spec.Remove("services");
        spec["templateRef"] = new JsonObject { ["name"] = "empty", ["version"] = 1 };

        await _h.Client.CreateAsync(KubeResource.UserDeployments, resource);

        var failed = await Eventually.WaitAsync(() => _h.Resource("site") is { } r && Phase(r) == "Failed" ? r : null, "phase Failed");
        Assert.Equal("InvalidSpec", (string?)Degraded(failed)!["reason"]);
        Assert.Contains("empty", (string?)failed["status"]!["message"]);
        Assert.Null(_h.Deployment("site-web"));
    }
}
