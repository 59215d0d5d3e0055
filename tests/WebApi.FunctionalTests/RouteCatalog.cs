using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>Every /api endpoint the server maps, read from the running app so that a new endpoint is covered without editing tests.</summary>
/// <summary>The ids a route sweep fills in.</summary>
public sealed record Ids(string Org, string Team, string User, string? Template = null, string? Deployment = null, string? Invitation = null,
    string? Task = null, string? Workflow = null);

public static class RouteCatalog
{
    public sealed record Route(string Method, string Pattern, bool HasBody, bool Anonymous = false)
    {

        /// <summary>Routes that name a tenant's resource (as opposed to platform resources such as plans and clients, and the caller's own sessions).</summary>
        public bool IsTenantResource => Pattern.Contains('{') && !PlatformPrefixes.Any(p => Pattern.StartsWith(p, StringComparison.Ordinal));
        public override string ToString() => $"{Method} {Pattern}";

        /// <summary>The pattern with {id} filled by the id of its area (/api/orgs, /api/teams, ...) and {userId} by a user id.</summary>
        public string Fill(Ids ids) => Pattern
            .Replace("{id:guid}", Area switch
            {
                "orgs" => ids.Org,
                "teams" => ids.Team,
                "templates" => ids.Template ?? Guid.NewGuid().ToString(),
                "deployments" => ids.Deployment ?? Guid.NewGuid().ToString(),
                "invitations" => ids.Invitation ?? Guid.NewGuid().ToString(),
                "tasks" => ids.Task ?? Guid.NewGuid().ToString(),
                "workflows" => ids.Workflow ?? Guid.NewGuid().ToString(),
                _ => Guid.NewGuid().ToString(),
            })
            .Replace("{userId:guid}", ids.User);

        private string Area => Pattern.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];

        public string Fill(string orgId, string teamId, string userId) => Fill(new Ids(orgId, teamId, userId));

        /// <summary>A body that passes validation for this route, so that only authorization decides the answer.</summary>
        public object ValidBody() => new
        {
            name = Area == "deployments" ? $"d{Guid.NewGuid():N}"[..20] : "Valid Name",
            slug = $"valid-{Guid.NewGuid():N}"[..20],
            email = $"someone-{Guid.NewGuid():N}@example.test",
            role = Pattern.Contains("/api/orgs/", StringComparison.Ordinal) && (Pattern.Contains("/members", StringComparison.Ordinal) || Pattern.Contains("/invitations", StringComparison.Ordinal)) ? "org_member" : "viewer",
            plan = "business",
            spec = "services:\n  - name: web\n    image: nginx\n",
            values = new Dictionary<string, string>(),
        };
    }

    /// <summary>Platform resources, and the caller's own credentials (API tokens, sessions, an invitation link's token): none belongs to a tenant.</summary>
    private static readonly string[] PlatformPrefixes = ["/api/plans", "/api/clients", "/api/tokens", "/api/sessions", "/api/invitations/by-token"];

    public static IReadOnlyList<Route> ApiRoutes(IServiceProvider services) => services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            .Select(m => new Route(m, "/" + e.RoutePattern.RawText!.Trim('/'), e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is not null,
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)))
        .Distinct()
        .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
        .ToList();
}
