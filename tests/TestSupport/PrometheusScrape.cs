using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>One sample of a scrape: the metric's name (with its _bucket/_sum/_count suffix), all its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A Prometheus scrape parsed by the npm package parse-prometheus-text-format (frontend/e2e/prometheus-scrape.mjs), so
/// that tests check our output against someone else's reading of the text format. A missing package fails the test.
/// </summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(int status, string? contentType, Dictionary<string, string> types, List<PrometheusSample> samples) =>
        (Status, ContentType, Types, Samples) = (status, contentType, types, samples);

    public int Status { get; }
    public string? ContentType { get; }

    /// <summary>Family name to its declared type, upper case as the package gives it (COUNTER, GAUGE, HISTOGRAM...).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }
    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The samples of <paramref name="name"/> whose labels include every given pair.</summary>
    public IEnumerable<PrometheusSample> Of(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    /// <summary>The value of the one sample of <paramref name="name"/> with these labels (0 when there is none: a series not yet observed).</summary>
    public double Value(string name, params (string Label, string Value)[] labels) => Of(name, labels).SingleOrDefault()?.Value ?? 0;

    public static async Task<PrometheusScrape> ReadAsync(Uri url)
    {
        Assert.True(Directory.Exists(RepoPaths.Of("frontend", "node_modules", "parse-prometheus-text-format")),
            "frontend/node_modules/parse-prometheus-text-format is missing: run 'npm ci' in frontend/ (scripts/test.sh does)");
        var start = new ProcessStartInfo("node", [RepoPaths.Of("frontend", "e2e", "prometheus-scrape.mjs"), url.ToString()])
        {
            WorkingDirectory = RepoPaths.Of("frontend"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await node.WaitForExitAsync(timeout.Token);
        if (node.ExitCode != 0) throw new InvalidOperationException($"prometheus-scrape.mjs failed ({node.ExitCode}): {await error}");
        var root = JsonDocument.Parse(await output).RootElement;
        var types = root.GetProperty("families").EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("type").GetString()!);
        var samples = root.GetProperty("samples").EnumerateArray().Select(s => new PrometheusSample(
            s.GetProperty("name").GetString()!,
            s.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
            s.GetProperty("value").GetDouble())).ToList();
        return new PrometheusScrape(root.GetProperty("status").GetInt32(),
            root.GetProperty("contentType").ValueKind == JsonValueKind.Null ? null : root.GetProperty("contentType").GetString(), types, samples);
    }
}
