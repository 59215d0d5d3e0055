namespace CleanScheduler.TestSupport.Kubernetes;

/// <summary>Kubeconfig files for tests (delete them with <see cref="Delete"/> when done).</summary>
public static class Kubeconfig
{
    /// <summary>
    /// A kubeconfig whose current context points at <paramref name="server"/> with a static bearer token (the package
    /// refuses a user without credentials; the test API server ignores tokens unless it requires one).
    /// </summary>
    public static string Write(Uri server, string? @namespace = null) => WriteFile(server, @namespace, "{ token: static-test-token }");

    /// <summary>
    /// A kubeconfig whose user is an exec credential plugin, as for EKS, GKE or AKS: a script (next to the kubeconfig)
    /// that prints a client.authentication.k8s.io/v1 ExecCredential with <paramref name="token"/> and notes each run in
    /// <see cref="PluginRuns"/>.
    /// </summary>
    public static string WriteWithExecPlugin(Uri server, string token, string? @namespace = null)
    {
        var path = WriteFile(server, @namespace, "{}");
        var plugin = path + ".credential-plugin.sh";
        File.WriteAllText(plugin, $$$"""
            #!/bin/sh
            echo "$KUBERNETES_EXEC_INFO" >> "{{{path}}}.runs"
            printf '%s\n' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"{{{token}}}"}}'
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return WriteFile(server, @namespace, "{ exec: { apiVersion: client.authentication.k8s.io/v1, command: \"" + plugin + "\", interactiveMode: Never } }", path);
    }

    /// <summary>How often the exec plugin of the kubeconfig at <paramref name="path"/> has run.</summary>
    public static int PluginRuns(string path) => File.Exists(path + ".runs") ? File.ReadAllLines(path + ".runs").Length : 0;

    public static void Delete(string path)
    {
        foreach (var file in new[] { path, path + ".credential-plugin.sh", path + ".runs" }) File.Delete(file);
    }

    private static string WriteFile(Uri server, string? @namespace, string user, string? path = null)
    {
        path ??= Path.GetTempFileName();
        var context = @namespace is null ? "{ cluster: test, user: test }" : $"{{ cluster: test, user: test, namespace: {@namespace} }}";
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            current-context: test
            clusters: [{ name: test, cluster: { server: "{{server.ToString().TrimEnd('/')}}" } }]
            users: [{ name: test, user: {{user}} }]
            contexts: [{ name: test, context: {{context}} }]
            """);
        return path;
    }
}
