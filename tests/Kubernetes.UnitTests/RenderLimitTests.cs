using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;

namespace CleanScheduler.Kubernetes.UnitTests;

/// <summary>
/// Template variables cannot amplify a deployment into megabytes: one config file renders to at most 256 KiB and the
/// whole deployment's text to at most 1 MiB, checked before anything is expanded.
/// </summary>
public sealed class RenderLimitTests
{
    private static readonly string LongValue = new('v', TemplateSpecRules.MaxValueLength);

    private static ServiceSpec Service(string name, IReadOnlyList<ConfigFileSpec>? files = null, IReadOnlyList<EnvSpec>? env = null, IReadOnlyList<string>? args = null) =>
        new(name, "nginx:1.27", 1, [], args ?? [], [], env ?? [new EnvSpec("X", null, false, false, null)], null, null, files ?? []);

    private static RenderInput Input(params ServiceSpec[] services) => new(
        "shop", "sandbox-ann", Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "ann", Tier.Business, TierLimits.For(Tier.Business),
        new TemplateSpec(services), new Dictionary<string, string> { ["X"] = LongValue }, new Dictionary<string, string?>(), true, "ann-shop.apps.example.com");

    /// <summary>The largest config file a template may hold, made of nothing but {{X}}: 13,107 x 4,096 characters = 53 MB.</summary>
    private static string Bomb => string.Concat(Enumerable.Repeat("{{X}}", TemplateSpecRules.MaxConfigFileBytes / 5));

    private static UserDeploymentSpecException RenderFails(RenderInput input, out long allocated)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<UserDeploymentSpecException>(() => ManifestRenderer.Render(input, new RenderOptions()));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ManifestRenderer.RenderLimitReason, error.Reason);
        return error;
    }

    [Fact]
    public void A_config_file_of_repeated_variables_is_refused_before_it_is_expanded()
    {
        var input = Input(Service("web", files: [new ConfigFileSpec("/etc/bomb.conf", Bomb)]));

        var error = RenderFails(input, out var allocated);

        Assert.Contains("services[0].configFiles[0].content", error.Message, StringComparison.Ordinal);
        Assert.Contains("256 KiB", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 * 1024 * 1024, $"{allocated} bytes allocated to refuse it");
        Assert.Equal(("render.file_too_large", "services[0].configFiles[0].content"),
            ManifestRenderer.CheckRenderLimits(input) is { } problem ? (problem.Code, problem.Path) : default);
    }

    [Fact]
    public void Files_each_within_their_limit_still_count_against_the_deployments_limit()
    {
        var file = string.Concat(Enumerable.Repeat("{{X}}", 60));   // 60 x 4 KiB = 240 KiB: under 256 KiB
        var input = Input(
            Service("web", files: [new ConfigFileSpec("/a", file), new ConfigFileSpec("/b", file)]),
            Service("api", files: [new ConfigFileSpec("/a", file), new ConfigFileSpec("/b", file), new ConfigFileSpec("/c", file)]));

        var error = RenderFails(input, out _);

        Assert.Contains("1 MiB", error.Message, StringComparison.Ordinal);
        Assert.Equal(("render.too_large", "services[1].configFiles[2].content"),
            ManifestRenderer.CheckRenderLimits(input) is { } problem ? (problem.Code, problem.Path) : default);
    }

    [Fact]
    public void Env_defaults_and_args_count_too()
    {
        var repeated = string.Concat(Enumerable.Repeat("{{X}}", 800));   // one 4,000-character default: 3.2 MB once filled
        var byDefault = Input(Service("web", env: [new EnvSpec("X", null, false, false, null), new EnvSpec("Y", repeated, false, false, null)]));
        var byArgs = Input(Service("web", args: [repeated[..995]]));

        Assert.Contains("services[0].env[1].default", RenderFails(byDefault, out var allocated).Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 * 1024 * 1024, $"{allocated} bytes allocated to refuse it");
        Assert.Equal("render.too_large", ManifestRenderer.CheckRenderLimits(Input(Enumerable.Range(0, 20)
            .Select(i => Service($"s{i}", args: Enumerable.Repeat(repeated[..995], 50).ToList())).ToArray()))?.Code);
        Assert.Null(ManifestRenderer.CheckRenderLimits(byArgs));   // 199 x 4 KiB = 796 KiB: within the deployment's limit
    }

    [Fact]
    public void Text_up_to_the_limits_renders()
    {
        var exactly = new string('a', ManifestRenderer.MaxRenderedFileBytes - 5 * 4096) + string.Concat(Enumerable.Repeat("{{X}}", 5));
        var input = Input(Service("web", files: [new ConfigFileSpec("/etc/full.conf", exactly)]));

        var config = ManifestRenderer.Render(input, new RenderOptions()).Single(o => (string?)o["kind"] == "ConfigMap");

        Assert.Equal(ManifestRenderer.MaxRenderedFileBytes, config["data"]!.AsObject().Single().Value!.GetValue<string>().Length);
        Assert.Null(ManifestRenderer.CheckRenderLimits(input));
        var over = input with { Spec = new TemplateSpec([Service("web", files: [new ConfigFileSpec("/etc/full.conf", "b" + exactly)])]) };
        Assert.Equal("render.file_too_large", ManifestRenderer.CheckRenderLimits(over)?.Code);
    }

    [Fact]
    public void The_operators_rendering_refuses_a_resource_past_the_limits_as_a_render_limit()
    {
        var resource = new JsonObject
        {
            ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment",
            ["metadata"] = new JsonObject { ["name"] = "bomb", ["namespace"] = "sandbox-ann", ["uid"] = "u-1" },
            ["spec"] = new JsonObject
            {
                ["desiredState"] = "running",
                ["values"] = new JsonObject { ["X"] = LongValue },
                ["services"] = new JsonArray(new JsonObject
                {
                    ["name"] = "web", ["image"] = "nginx:1.27",
                    ["env"] = new JsonArray(new JsonObject { ["name"] = "X" }),
                    ["configFiles"] = new JsonArray(new JsonObject { ["path"] = "/etc/bomb.conf", ["content"] = Bomb }),
                }),
            },
        };
        var spec = UserDeploymentInput.Spec(CustomResources.From<UserDeploymentSpec>(resource["spec"]), null);

        var input = UserDeploymentInput.From(resource, spec, "apps.test");

        var error = Assert.Throws<UserDeploymentSpecException>(() => ManifestRenderer.Render(input, new RenderOptions()));

        Assert.Equal(ManifestRenderer.RenderLimitReason, error.Reason);
    }

    [Fact]
    public void The_check_without_objects_gives_the_answer_of_the_full_render()
    {
        // CheckRenderLimits pays the text in the order the renderer does, without building objects: same code, same place.
        var random = new Random(20261130);
        var pieces = new[] { "{{X}}", "{{ Y }}", "{{DEPLOYMENT_HOST}}", "text", "é" };
        string Text(int parts) => string.Concat(Enumerable.Range(0, parts).Select(_ => pieces[random.Next(pieces.Length)]));
        var outcomes = new HashSet<string?>();
        for (var round = 0; round < 200; round++)
        {
            var services = Enumerable.Range(0, random.Next(1, 4)).Select(s => Service($"s{s}",
                files: Enumerable.Range(0, random.Next(0, 3)).Select(f => new ConfigFileSpec($"/etc/f{f}.conf", Text(random.Next(0, 400)))).ToList(),
                env: [new EnvSpec("X", null, false, false, null), new EnvSpec("Y", Text(random.Next(0, 700)), false, false, null),
                      new EnvSpec("S", null, true, false, null)],
                args: Enumerable.Range(0, random.Next(0, 4)).Select(_ => Text(random.Next(0, 200))).ToList())).ToArray();
            var input = Input(services);

            var full = ManifestRenderer.TryRender(input, new RenderOptions()).Problem;

            Assert.Equal(full, ManifestRenderer.CheckRenderLimits(input));
            outcomes.Add(full?.Code);
        }
        Assert.Equal([null, "render.file_too_large", "render.too_large"], outcomes.Order());
    }

    [Fact]
    public void The_counted_size_is_the_size_of_the_substituted_text()
    {
        var random = new Random(20261130);
        string[] pieces = ["{{A}}", "{{ B }}", "{{C}}", "{{unknown}}", "text", "é", "🙂", "{", "}}", "{{", " ", "\n"];
        var values = new Dictionary<string, string> { ["A"] = "alpha", ["B"] = "ünï", ["C"] = "" };
        for (var i = 0; i < 500; i++)
        {
            var text = new StringBuilder();
            for (var p = random.Next(0, 30); p > 0; p--) text.Append(pieces[random.Next(pieces.Length)]);
            var template = text.ToString();

            Assert.Equal(Encoding.UTF8.GetByteCount(TemplateSpecRules.Substitute(template, values)), TemplateSpecRules.SubstitutedSize(template, values, long.MaxValue));
        }
    }
}
