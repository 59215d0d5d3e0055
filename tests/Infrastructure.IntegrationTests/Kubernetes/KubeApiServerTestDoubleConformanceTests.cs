using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.TestSupport;
using CleanScheduler.TestSupport.Kubernetes;

namespace CleanScheduler.Infrastructure.IntegrationTests.Kubernetes;

/// <summary>
/// The test double must answer like the real kube-apiserver: every recorded request of the transcripts below is sent
/// to a fresh double, in the recorded order, and its answer must match the recorded one in status code, Status reason,
/// 422 causes, Warning headers, generation, deletionTimestamp, and whether the write changed the resourceVersion (no-op or not).
/// </summary>
public sealed class KubeApiServerTestDoubleConformanceTests
{
    private static readonly string[] Files =
    [
        "01-namespace-create-get-404.txt", "02-crd-create-established.txt", "03-userdeployment-create-409-422-get-list.txt",
        "04-server-side-apply-deployment.txt", "04b-server-side-apply-userdeployment.txt", "05-update-stale-resourceversion-409.txt",
        "06-status-subresource-generation.txt", "07-finalizers-delete.txt", "09-lease-leader-election.txt", "14-content-types-415-400.txt",
    ];

    /// <summary>What the double does not model, and why.</summary>
    private static readonly Dictionary<(string File, int Index), string> NotModelled = new()
    {
        [("14-content-types-415-400.txt", 6)] = "web-shop's generation: transcripts not replayed here (08, 11) changed its spec in between",
    };

    [Fact]
    public async Task Recorded_requests_get_the_recorded_answers()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync();
        using var http = new HttpClient { BaseAddress = api.Address };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("kt-recorder/1.0");
        await http.PostAsync("/api/v1/namespaces", Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kt-system"}}"""));

        var (compared, mismatches) = await ReplayAsync(http, Files, compareMessages: false);

        Assert.True(compared > 80, $"only {compared} exchanges compared");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} answers differ from the real API server:\n" + string.Join("\n", mismatches));
    }

    /// <summary>
    /// Transcript 16 was recorded with this project's CRDs (k8s/crds): a server-side apply of an undeclared field is the
    /// 500 "failed to create typed patch object" (word for word) and stores nothing, with or without fieldValidation=Ignore;
    /// a POST prunes it with the same Warning header; fieldValidation=Strict makes it a 400.
    /// </summary>
    [Fact]
    public async Task Undeclared_fields_get_the_recorded_answers_with_the_projects_CRDs()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        using var http = new HttpClient { BaseAddress = api.Address };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("transcript-recorder/1.0");

        var (compared, mismatches) = await ReplayAsync(http, ["16-unknown-fields.txt"], compareMessages: true);

        Assert.Equal(7, compared);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} answers differ from the real API server:\n" + string.Join("\n", mismatches));
        Assert.Null(api.Get("scheduler.cleanscheduler.io/v1alpha1", "userdeployments", "transcript-unknown-fields", "applied"));
    }

    /// <summary>What transcript 16 shows for POST holds for every other write: PUT and merge patch prune with a Warning, Strict refuses.</summary>
    [Fact]
    public async Task Updates_prune_undeclared_fields_with_a_warning_and_refuse_them_when_strict()
    {
        await using var api = await KubeApiServerTestDouble.StartAsync(RepoPaths.Crds);
        using var http = new HttpClient { BaseAddress = api.Address };
        const string Path = "/apis/scheduler.cleanscheduler.io/v1alpha1/namespaces/ns/userdeployments";
        await http.PostAsync("/api/v1/namespaces", Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}}"""));
        using var created = await http.PostAsync(Path, Json("""{"apiVersion":"scheduler.cleanscheduler.io/v1alpha1","kind":"UserDeployment","metadata":{"name":"ud"},"spec":{"desiredState":"running"}}"""));
        var resourceVersion = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["metadata"]!["resourceVersion"]!;
        string Body(string rv) => $$$"""{"apiVersion":"scheduler.cleanscheduler.io/v1alpha1","kind":"UserDeployment","metadata":{"name":"ud","resourceVersion":"{{{rv}}}"},"spec":{"desiredState":"stopped","x":1}}""";

        using var strictPut = await http.PutAsync($"{Path}/ud?fieldValidation=Strict", Json(Body(resourceVersion)));
        Assert.Equal(HttpStatusCode.BadRequest, strictPut.StatusCode);
        Assert.Contains("strict decoding error: unknown field \"spec.x\"", (string?)JsonNode.Parse(await strictPut.Content.ReadAsStringAsync())!["message"], StringComparison.Ordinal);
        Assert.Equal("running", (string?)api.Get("scheduler.cleanscheduler.io/v1alpha1", "userdeployments", "ns", "ud")!["spec"]!["desiredState"]);

        using var put = await http.PutAsync($"{Path}/ud", Json(Body(resourceVersion)));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(["299 - \"unknown field \\\"spec.x\\\"\""], put.Headers.GetValues("Warning"));
        var stored = api.Get("scheduler.cleanscheduler.io/v1alpha1", "userdeployments", "ns", "ud")!;
        Assert.Equal(("stopped", null), ((string?)stored["spec"]!["desiredState"], stored["spec"]!["x"]));

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"{Path}/ud?fieldValidation=Strict")
        {
            Content = new StringContent("""{"spec":{"y":true}}""", Encoding.UTF8, "application/merge-patch+json"),
        };
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(patch)).StatusCode);
        Assert.Equal(["PUT /apis/scheduler.cleanscheduler.io/v1alpha1/namespaces/ns/userdeployments/ud: unknown field \"spec.x\""], api.Warnings);
    }

    private static async Task<(int Compared, List<string> Mismatches)> ReplayAsync(HttpClient http, IEnumerable<string> files, bool compareMessages)
    {
        var mismatches = new List<string>();
        var recordedVersions = new Dictionary<string, string>();
        var doubleVersions = new Dictionary<string, string>();
        var compared = 0;
        var versionMap = new Dictionary<string, string>(); // recorded resourceVersion -> the double's for the same state
        foreach (var file in files)
            foreach (var exchange in Transcript.Load(file))
            {
                if (NotModelled.ContainsKey((file, exchange.Index))) continue;
                if (exchange.RequestHeaders.TryGetValue("Accept", out var accept) && accept.Contains("protobuf", StringComparison.Ordinal)) continue;
                using var request = new HttpRequestMessage(new HttpMethod(exchange.Method), exchange.Target);
                if (exchange.RequestHeaders.TryGetValue("Accept", out var accepts)) request.Headers.TryAddWithoutValidation("Accept", accepts);
                if (exchange.RequestBody.Length > 0 || exchange.RequestHeaders.ContainsKey("Content-Type"))
                {
                    request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(TranslateVersions(exchange.RequestBody, versionMap)));
                    if (exchange.RequestHeaders.TryGetValue("Content-Type", out var type)) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
                }
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                compared++;
                var where = $"{exchange} ({exchange.Title})";
                if ((int)response.StatusCode != exchange.Status) { mismatches.Add($"{where}: double answered {(int)response.StatusCode} {Short(text)}"); continue; }
                var recordedWarnings = exchange.ResponseHeaders.Where(h => h.Name == "Warning").Select(h => h.Value).ToList();
                var warnings = response.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];
                if (!recordedWarnings.SequenceEqual(warnings))
                    mismatches.Add($"{where}: Warning [{string.Join(" | ", warnings)}], recorded [{string.Join(" | ", recordedWarnings)}]");
                var recorded = exchange.ResponseJson;
                JsonObject? actual = null;
                try { actual = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null; } catch (System.Text.Json.JsonException) { }
                if (recorded is null) continue;
                if (actual is null) { mismatches.Add($"{where}: double answered no JSON: {Short(text)}"); continue; }
                if ((string?)recorded["kind"] == "Status")
                {
                    if ((string?)actual["kind"] != "Status") { mismatches.Add($"{where}: expected a Status, got {actual["kind"]}"); continue; }
                    if ((string?)recorded["reason"] != (string?)actual["reason"]) mismatches.Add($"{where}: reason {actual["reason"]}, recorded {recorded["reason"]}");
                    if ((string?)recorded["status"] != (string?)actual["status"]) mismatches.Add($"{where}: status {actual["status"]}, recorded {recorded["status"]}");
                    if (compareMessages && (string?)recorded["message"] != (string?)actual["message"])
                        mismatches.Add($"{where}: message '{actual["message"]}', recorded '{recorded["message"]}'");
                    if (exchange.Status == 422)
                    {
                        var want = Causes(recorded);
                        var got = Causes(actual);
                        if (!want.SetEquals(got)) mismatches.Add($"{where}: causes [{string.Join(", ", got)}], recorded [{string.Join(", ", want)}]");
                    }
                    continue;
                }
                if (recorded["metadata"] is not JsonObject rm || actual["metadata"] is not JsonObject am) continue;
                if (rm["generation"] is { } rg && (long?)am["generation"] != (long)rg) mismatches.Add($"{where}: generation {am["generation"]}, recorded {rg}");
                if ((rm["deletionTimestamp"] is null) != (am["deletionTimestamp"] is null)) mismatches.Add($"{where}: deletionTimestamp presence differs");
                if (rm["name"] is null) continue;
                var key = $"{(string?)recorded["kind"]}/{(string?)rm["namespace"]}/{(string?)rm["name"]}";
                var rrv = (string)rm["resourceVersion"]!;
                var arv = (string)am["resourceVersion"]!;
                if (exchange.Method != "GET" && recordedVersions.TryGetValue(key, out var previousRecorded) && doubleVersions.TryGetValue(key, out var previousDouble)
                    && (previousRecorded == rrv) != (previousDouble == arv))
                    mismatches.Add($"{where}: {(previousRecorded == rrv ? "the real server wrote nothing, the double wrote" : "the real server wrote, the double did not")}");
                versionMap[rrv] = arv;
                recordedVersions[key] = rrv;
                doubleVersions[key] = arv;
            }
        return (compared, mismatches);
    }

    /// <summary>A request pinned to a recorded resourceVersion is sent with the double's for the same state.</summary>
    private static string TranslateVersions(string body, Dictionary<string, string> map)
    {
        if (!body.TrimStart().StartsWith('{')) return body;
        JsonObject obj;
        try { obj = JsonNode.Parse(body) as JsonObject ?? new JsonObject(); } catch (System.Text.Json.JsonException) { return body; }
        if (obj["metadata"] is JsonObject metadata && (string?)metadata["resourceVersion"] is { } recorded && map.TryGetValue(recorded, out var mapped))
        {
            metadata["resourceVersion"] = mapped;
            return obj.ToJsonString();
        }
        return body;
    }

    private static HashSet<string> Causes(JsonObject status) =>
        (status["details"]?["causes"] as JsonArray ?? []).Select(c => $"{(string?)c?["reason"]}:{(string?)c?["field"]}").ToHashSet();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Short(string text) => text.Length > 300 ? text[..300] : text;
}
