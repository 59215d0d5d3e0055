using System.Globalization;
using System.Text.Json.Nodes;

namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>
/// The test API server runs no Job controller and no kubelet: these stand in for them, reporting a Job and its pod as
/// they would (the Job's status through the status subresource, a pod labelled <c>job-name</c> whose container
/// terminated with a message).
/// </summary>
public static class FakeJobs
{
    public static void Started(KubeApiServerTestDouble api, string ns, string job, DateTimeOffset? at = null) =>
        api.SetStatus("batch/v1", "jobs", ns, job, new JsonObject { ["active"] = 1, ["startTime"] = Rfc3339(at ?? DateTimeOffset.UtcNow) }, "kube-controller-manager");

    public static void Finished(KubeApiServerTestDouble api, string ns, string job, bool succeeded, string? terminationMessage, string? reason = null, string container = "task")
    {
        var pod = $"{job}-x7k2p";
        api.AddPod(ns, pod, new JsonObject { ["job-name"] = job }, [], container);
        api.SetStatus("v1", "pods", ns, pod, new JsonObject
        {
            ["phase"] = succeeded ? "Succeeded" : "Failed",
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = container,
                ["state"] = new JsonObject
                {
                    ["terminated"] = new JsonObject { ["exitCode"] = succeeded ? 0 : 1, ["reason"] = succeeded ? "Completed" : "Error", ["message"] = terminationMessage },
                },
            }),
        }, "kubelet");
        var now = Rfc3339(DateTimeOffset.UtcNow);
        api.SetStatus("batch/v1", "jobs", ns, job, new JsonObject
        {
            ["startTime"] = now,
            [succeeded ? "succeeded" : "failed"] = 1,
            ["completionTime"] = succeeded ? now : null,
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = succeeded ? "Complete" : "Failed", ["status"] = "True", ["reason"] = reason ?? (succeeded ? "Completed" : "BackoffLimitExceeded"),
            }),
        }, "kube-controller-manager");
    }

    private static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
