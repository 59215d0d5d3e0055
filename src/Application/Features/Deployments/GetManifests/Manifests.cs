namespace CleanScheduler.Application.Features.Deployments;

/// <summary>The rendered manifests of a deployment and the file name to download them as.</summary>
public sealed record Manifests(string FileName, string Yaml, int Objects);
