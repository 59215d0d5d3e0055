using System.Diagnostics;
using System.Text.Json.Nodes;
using CleanScheduler.Kubernetes;
using CleanScheduler.TestSupport;

namespace CleanScheduler.Operator.Tests;

/// <summary>`kubectl kustomize k8s/` renders the install base, and what it renders is what the operator needs and no more.</summary>
public sealed class InstallManifestTests
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> Rendered = new(() =>
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", RepoPaths.Of("k8s")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "kubectl kustomize k8s/ failed: " + error);
        return YamlJson.Documents(output).ToList();
    });

    private static JsonObject One(string kind, string name) =>
        Rendered.Value.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name);

    [Fact]
    public void The_base_renders_the_CRDs_the_operator_and_the_server_in_their_namespace()
    {
        var kinds = Rendered.Value.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}").ToList();
        foreach (var expected in new[]
                 {
                     "CustomResourceDefinition/userdeployments.scheduler.cleanscheduler.io", "CustomResourceDefinition/agenttasks.scheduler.cleanscheduler.io",
                     "CustomResourceDefinition/workflows.scheduler.cleanscheduler.io", "Deployment/cleanscheduler-operator", "Deployment/cleanscheduler-server",
                     "Service/cleanscheduler-server", "ConfigMap/cleanscheduler-server", "Role/cleanscheduler-operator-leader-election",
                     "ClusterRole/cleanscheduler-operator", "ServiceAccount/cleanscheduler-operator", "Namespace/cleanscheduler-system",
                 })
            Assert.Contains(expected, kinds);
        Assert.All(Rendered.Value.Where(o => o["kind"]!.GetValue<string>() is "Deployment" or "Service" or "ConfigMap" or "Role" or "ServiceAccount"),
            o => Assert.Equal("cleanscheduler-system", (string?)o["metadata"]!["namespace"]));
        var probes = One("Deployment", "cleanscheduler-operator")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("/readyz", (string?)probes["readinessProbe"]!["httpGet"]!["path"]);
    }

    [Fact]
    public void The_operator_role_grants_no_wildcards_no_secrets_and_the_lease_only_in_its_namespace()
    {
        var rules = One("ClusterRole", "cleanscheduler-operator")["rules"]!.AsArray();
        Assert.DoesNotContain(rules, r => r!["verbs"]!.AsArray().Any(v => (string?)v == "*") || r["resources"]!.AsArray().Any(v => (string?)v == "*"));
        Assert.DoesNotContain(rules, r => r!["resources"]!.AsArray().Any(v => (string?)v is "secrets" or "leases"));
        var lease = One("Role", "cleanscheduler-operator-leader-election")["rules"]![0]!;
        Assert.Equal(["get", "create", "update"], lease["verbs"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void The_server_role_grants_exactly_the_verbs_the_server_calls_and_never_reads_secrets()
    {
        var rules = One("ClusterRole", "cleanscheduler-server")["rules"]!.AsArray()
            .SelectMany(r => r!["apiGroups"]!.AsArray().SelectMany(group => r["resources"]!.AsArray().Select(resource =>
                (Resource: $"{(string)group!}/{(string)resource!}", Verbs: r["verbs"]!.AsArray().Select(v => (string)v!).Order().ToArray()))))
            .ToDictionary(r => r.Resource, r => string.Join(",", r.Verbs));

        Assert.Equal(new Dictionary<string, string>
        {
            ["scheduler.cleanscheduler.io/userdeployments"] = "create,delete,get,list,patch,watch",   // server-side apply, delete, the status watch and its re-read
            ["scheduler.cleanscheduler.io/agenttasks"] = "create,delete,list,patch,watch",           // tasks: apply, cancel, the status watch
            ["scheduler.cleanscheduler.io/workflows"] = "create,delete,list,patch,watch",
            ["/namespaces"] = "create,get",
            ["/configmaps"] = "create,patch",                               // template ConfigMaps, server-side apply
            ["/secrets"] = "create,patch",                                  // secret values, written (deleted with their UserDeployment), never read
            ["/pods"] = "list",
            ["/pods/log"] = "get",
            ["apps/deployments"] = "list",                                  // the metrics stream's ready/desired replicas
            ["metrics.k8s.io/pods"] = "list",                               // the metrics stream's CPU and memory, when a metrics server runs
        }, rules);
    }

    [Fact]
    public void The_operator_role_lets_it_list_and_watch_every_kind_its_controllers_watch()
    {
        var rules = One("ClusterRole", "cleanscheduler-operator")["rules"]!.AsArray();
        foreach (var kind in Operator.Controllers.UserDeploymentController.WatchedKinds.Append(KubeResource.UserDeployments).Append(KubeResource.Jobs))
            foreach (var verb in new[] { "list", "watch" })
                Assert.True(rules.Any(r => r!["apiGroups"]!.AsArray().Any(g => (string?)g == kind.Group) && r["resources"]!.AsArray().Any(x => (string?)x == kind.Plural)
                    && r["verbs"]!.AsArray().Any(v => (string?)v == verb)), $"{verb} {kind.Plural}");
    }

    [Fact]
    public void The_CRDs_have_a_status_subresource_printer_columns_and_short_names()
    {
        foreach (var (name, shortName) in new[] { ("userdeployments", "ud"), ("agenttasks", "at"), ("workflows", "wf") })
        {
            var crd = One("CustomResourceDefinition", $"{name}.scheduler.cleanscheduler.io");
            Assert.Equal(shortName, (string?)crd["spec"]!["names"]!["shortNames"]![0]);
            var version = crd["spec"]!["versions"]![0]!;
            Assert.Equal("v1alpha1", (string?)version["name"]);
            Assert.NotNull(version["subresources"]!["status"]);
            Assert.Contains(version["additionalPrinterColumns"]!.AsArray(), c => (string?)c!["name"] == "Phase");
            Assert.Equal("object", (string?)version["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["type"]);
        }
    }
}
