using BenchmarkDotNet.Attributes;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Domain.Templates;
using CleanScheduler.Domain.Tenancy;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Micro;

/// <summary>
/// The "Static site" system template (bench/api creates it; k8s/samples/userdeployment.yaml is the same shape): the
/// limit check creation runs, a full render, and a render written as YAML (the manifest download).
/// </summary>
[MemoryDiagnoser]
public class ManifestRendering
{
    private static readonly RenderOptions Options = new();
    private RenderInput _input = null!;
    private RenderInput _limits = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spec = TemplateSpecYaml.Parse(SystemTemplates.All.Single(t => t.Name == "Static site").Spec, out var errors)
            ?? throw new InvalidOperationException($"the sample template does not parse: {string.Join("; ", errors)}");
        var values = new Dictionary<string, string> { ["PAGE_TITLE"] = "Bench" };
        _input = new RenderInput("sample", "sandbox-bench", Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(),
            "bench", Tier.Business, TierLimits.For(Tier.Business), spec, values, new Dictionary<string, string?>(), true, "sample-bench.apps.bench.test");
        _limits = RenderInput.ForLimits(spec, values, "sample", "sample-bench.apps.bench.test");
        if (ManifestRenderer.TryRender(_input, Options).Objects is not { Count: > 0 }) throw new InvalidOperationException("the sample renders nothing");
    }

    [Benchmark(Baseline = true, Description = "render (objects)")]
    public IReadOnlyList<System.Text.Json.Nodes.JsonObject>? Render() => ManifestRenderer.TryRender(_input, Options).Objects;

    [Benchmark(Description = "limit check (creation)")]
    public RenderLimitProblem? CheckLimits() => ManifestRenderer.CheckRenderLimits(_limits);

    [Benchmark(Description = "render + YAML (download)")]
    public string RenderYaml() => YamlJson.Write(ManifestRenderer.TryRender(_input, Options).Objects!);
}
