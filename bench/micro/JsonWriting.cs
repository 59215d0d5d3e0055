using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.WebApi.Hosting;

namespace CleanScheduler.Micro;

/// <summary>A 100-item page of deployments written as the API writes it, against a source-generated context.</summary>
[MemoryDiagnoser]
public class JsonWriting
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private Utf8JsonWriter _writer = null!;
    private Paged<DeploymentSummary> _page = null!;
    private JsonSerializerOptions _api = null!;
    private JsonSerializerOptions _apiWithContext = null!;

    [GlobalSetup]
    public void Setup()
    {
        var created = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        _page = new Paged<DeploymentSummary>(Enumerable.Range(1, 100).Select(i => new DeploymentSummary(
            Guid.CreateVersion7(), Guid.CreateVersion7(), $"list-{i:D3}", "running", "Pending", $"https://list-{i:D3}-bench.apps.bench.test",
            Guid.CreateVersion7(), "Static site", 1, Guid.CreateVersion7(), created.AddSeconds(i), created.AddSeconds(i))).ToList(), 1, 100, 100);
        _api = new JsonSerializerOptions(JsonSerializerDefaults.Web);   // what ASP.NET Core's JsonOptions start from
        ServerComposition.ConfigureJson(_api);
        _apiWithContext = new JsonSerializerOptions(_api) { TypeInfoResolver = MicroJsonContext.Default };
        _writer = new Utf8JsonWriter(_buffer);
        var expected = Write(() => JsonSerializer.Serialize(_writer, _page, _api));
        if (!expected.SequenceEqual(Write(() => JsonSerializer.Serialize(_writer, _page, MicroJsonContext.Default.PagedDeploymentSummary))) ||
            !expected.SequenceEqual(Write(() => JsonSerializer.Serialize(_writer, _page, _apiWithContext))))
            throw new InvalidOperationException("the source-generated context writes other bytes than the API's options");
    }

    private byte[] Write(Action serialize)
    {
        serialize();
        var bytes = _buffer.WrittenSpan.ToArray();
        Reset();
        return bytes;
    }

    private void Reset()
    {
        _writer.Flush();
        _buffer.ResetWrittenCount();
        _writer.Reset();
    }

    [Benchmark(Baseline = true, Description = "API options (reflection metadata)")]
    public void ApiOptions()
    {
        JsonSerializer.Serialize(_writer, _page, _api);
        Reset();
    }

    [Benchmark(Description = "source-generated context")]
    public void SourceGenerated()
    {
        JsonSerializer.Serialize(_writer, _page, MicroJsonContext.Default.PagedDeploymentSummary);
        Reset();
    }

    [Benchmark(Description = "API options, context as resolver")]
    public void ApiOptionsWithContext()
    {
        JsonSerializer.Serialize(_writer, _page, _apiWithContext);
        Reset();
    }
}

/// <summary>The API's settings (web defaults, see <see cref="ServerComposition.ConfigureJson"/>) for the generator.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never, MaxDepth = 32,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Paged<DeploymentSummary>))]
public partial class MicroJsonContext : JsonSerializerContext;
