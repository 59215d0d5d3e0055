namespace CleanScheduler.TestSupport;

/// <summary>Files of the repository, found from the test binaries by walking up to CleanScheduler.sln.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Crds => Of("k8s", "crds");

    /// <summary>CRDs of other projects the platform writes objects of (the External Secrets Operator's ExternalSecret).</summary>
    public static string ExternalCrds => Of("tests", "TestSupport", "Kubernetes", "ExternalCrds");

    public static string Transcripts => Of("tests", "TestSupport", "Kubernetes", "Transcripts");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CleanScheduler.sln"))) return dir.FullName;
        throw new InvalidOperationException("CleanScheduler.sln not found above " + AppContext.BaseDirectory);
    }
}
