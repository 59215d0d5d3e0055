using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>The Grafana dashboard of k8s/monitoring, for tests that check it reads only metrics that exist.</summary>
public static partial class GrafanaDashboard
{
    /// <summary>Names of the metrics its queries read, a histogram's without the _bucket/_count/_sum suffix.</summary>
    public static IReadOnlySet<string> MetricNames()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(RepoPaths.Of("k8s", "monitoring", "grafana-dashboard.json")))!;
        var expressions = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => (string)t!["expr"]!).ToList();
        Assert.NotEmpty(expressions);
        return expressions.SelectMany(e => MetricName().Matches(e).Select(m => HistogramSuffix().Replace(m.Value, ""))).ToHashSet();
    }

    [GeneratedRegex(@"\b(?:scheduler|cleanscheduler|process|dotnet)_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();
}
