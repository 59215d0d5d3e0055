using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CleanScheduler.Application.Common;
using CleanScheduler.Kubernetes;

namespace CleanScheduler.Infrastructure.Cluster;

/// <summary>
/// The log lines of every pod of a deployment, merged as they arrive (like <c>kubectl logs -f -l ... --prefix</c>).
/// While following, pods started later (a rollout, a restart) are picked up at each poll; at most
/// <see cref="MaxPods"/> pods are read at once. Lines are read with their times (<c>timestamps=true</c>): a window that
/// starts after a time asks for the whole seconds since then (<c>sinceSeconds</c>) and drops the lines up to it.
/// </summary>
public sealed class KubernetesDeploymentLogs(IKubernetesClient kube, TimeProvider clock) : IDeploymentLogs
{
    public const int MaxPods = 10;
    public TimeSpan PodPoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Lists the pods (a failure here is the caller's to report, before anything is streamed), then streams their lines.</summary>
    public async Task<IAsyncEnumerable<LogLine>> OpenAsync(DeploymentLogSource source, LogWindow window, CancellationToken cancellationToken)
    {
        var pods = await ClusterErrors.Translate(() => ListPodsAsync(source, cancellationToken));
        return ReadAsync(source, pods, window, cancellationToken);
    }

    private async Task<IReadOnlyList<JsonObject>> ListPodsAsync(DeploymentLogSource source, CancellationToken cancellationToken) =>
        (await kube.ListAsync(KubeResource.Pods, source.Namespace, new ListOptions(LabelSelector(source)), cancellationToken)).Items
        .Where(p => source.Pod is null || (string?)p["metadata"]?["name"] == source.Pod).ToList();

    private async IAsyncEnumerable<LogLine> ReadAsync(
        DeploymentLogSource source, IReadOnlyList<JsonObject> pods, LogWindow window, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lines = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(1000) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = ProduceAsync(source, pods, window, lines.Writer, stop.Token);
        try
        {
            await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken)) yield return line;
            await producer;   // surfaces a failure of the first pod list
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private async Task ProduceAsync(
        DeploymentLogSource source, IReadOnlyList<JsonObject> pods, LogWindow window, ChannelWriter<LogLine> writer, CancellationToken cancellationToken)
    {
        var readers = new Dictionary<string, Task>(StringComparer.Ordinal);
        Exception? failure = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var pod in pods.OrderBy(p => (string?)p["metadata"]?["creationTimestamp"], StringComparer.Ordinal))
                {
                    var name = (string?)pod["metadata"]?["name"];
                    if (name is null || readers.ContainsKey(name) || readers.Count(r => !r.Value.IsCompleted) >= MaxPods) continue;
                    var container = (string?)pod["spec"]?["containers"]?[0]?["name"];
                    var service = (string?)pod["metadata"]?["labels"]?["app.kubernetes.io/component"];
                    readers[name] = ReadPodAsync(source.Namespace, name, container, service, window, writer, cancellationToken);
                }
                if (!window.Follow) break;
                await Task.Delay(PodPoll, cancellationToken);
                try { pods = await ListPodsAsync(source, cancellationToken); }
                catch (KubeUnavailableException) { pods = []; }   // a blip while following: try at the next poll
            }
            await Task.WhenAll(readers.Values);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception e) when (e is KubeApiException or KubeUnavailableException)
        {
            failure = e;
        }
        finally
        {
            writer.TryComplete(failure is null ? null : ClusterErrors.Translated(failure));
        }
    }

    private async Task ReadPodAsync(string ns, string pod, string? container, string? service, LogWindow window,
        ChannelWriter<LogLine> writer, CancellationToken cancellationToken)
    {
        try
        {
            int? sinceSeconds = window.After is { } after ? (int)Math.Clamp(Math.Ceiling((clock.GetUtcNow() - after).TotalSeconds) + 1, 1, int.MaxValue) : null;
            await using var stream = await kube.GetLogsAsync(ns, pod, container, window.Follow, window.TailLines, sinceSeconds, timestamps: true, cancellationToken);
            if (stream is null) return;   // not started yet: no log
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } text)
            {
                var line = Timed(pod, service, text);
                if (line.Time <= window.After) continue;   // within the second sinceSeconds rounds to, but sent before
                await writer.WriteAsync(line, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
        catch (Exception e) when (e is KubeApiException or KubeUnavailableException or IOException or HttpRequestException)
        {
            // One pod's log ending badly (pod deleted, container not started) does not end the others.
            await writer.WriteAsync(new LogLine(pod, service, $"[log of {pod} ended: {Message(e)}]"), cancellationToken);
        }
    }

    /// <summary>A line read with <c>timestamps=true</c>: "TIME TEXT"; a line without a readable time is kept whole.</summary>
    private static LogLine Timed(string pod, string? service, string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && DateTimeOffset.TryParse(text.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? new LogLine(pod, service, text[(space + 1)..], time)
            : new LogLine(pod, service, text);
    }

    private static string LabelSelector(DeploymentLogSource source) => source.Service is null
        ? $"app.kubernetes.io/instance={source.Instance}"
        : $"app.kubernetes.io/instance={source.Instance},app.kubernetes.io/component={source.Service}";

    private static string Message(Exception e) => e is KubeApiException api ? api.ApiMessage : e.Message;
}
