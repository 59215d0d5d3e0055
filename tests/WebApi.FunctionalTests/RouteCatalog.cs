using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>Every /api endpoint the server maps, read from the running app so that a new endpoint is covered without editing tests.</summary>
public static class RouteCatalog
{
    public sealed record Route(string Method, string Pattern)
    {
        public bool HasBody => Method is "POST" or "PUT" or "PATCH";

        /// <summary>Routes that name a tenant's resource (as opposed to platform resources such as plans and clients).</summary>
        public bool IsTenantResource => Pattern.Contains('{') && !PlatformPrefixes.Any(p => Pattern.StartsWith(p, StringComparison.Ordinal));
        public override string ToString() => $"{Method} {Pattern}";

        /// <summary>The pattern with its parameters filled in: {id} by the organization or team id, {userId} by a user id.</summary>
        public string Fill(string orgId, string teamId, string userId) => Pattern
            .Replace("{id:guid}", Pattern.StartsWith("/api/orgs", StringComparison.Ordinal) ? orgId : teamId)
            .Replace("{userId:guid}", userId);

        /// <summary>A body that passes validation for this route, so that only authorization decides the answer.</summary>
        public object ValidBody() => new
        {
            name = "Valid Name",
            slug = $"valid-{Guid.NewGuid():N}"[..20],
            email = $"someone-{Guid.NewGuid():N}@example.test",
            role = Pattern.Contains("/api/orgs/", StringComparison.Ordinal) && Pattern.Contains("/members", StringComparison.Ordinal) ? "org_member" : "viewer",
            plan = "business",
        };
    }

    private static readonly string[] PlatformPrefixes = ["/api/plans", "/api/clients"];

    public static IReadOnlyList<Route> ApiRoutes(IServiceProvider services) => services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new Route(m, "/" + e.RoutePattern.RawText!.Trim('/'))))
        .Distinct()
        .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
        .ToList();
}
