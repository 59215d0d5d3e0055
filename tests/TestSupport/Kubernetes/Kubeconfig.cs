namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>A kubeconfig file whose current context points at <paramref name="server"/> without credentials (delete it when done).</summary>
public static class Kubeconfig
{
    public static string Write(Uri server, string? @namespace = null)
    {
        var path = Path.GetTempFileName();
        var context = @namespace is null ? "{ cluster: test, user: test }" : $"{{ cluster: test, user: test, namespace: {@namespace} }}";
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters: [{ name: test, cluster: { server: "{{server.ToString().TrimEnd('/')}}" } }]
            users: [{ name: test, user: {} }]
            contexts: [{ name: test, context: {{context}} }]
            """);
        return path;
    }
}
