using CleanScheduler.WebApi.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// The OpenAPI 3.1 document at /openapi/v1.json, written for client generators: every operation has a stable
/// <c>operationId</c> (the endpoint's <c>WithName</c>) and a summary, both security schemes are declared (the browser's
/// session cookie and <c>bearer</c> API tokens), and the server URL has no trailing slash. <c>redocly lint</c> checks it
/// in scripts/test.sh (redocly.yaml).
/// </summary>
public static class OpenApiSetup
{
    public const string SessionScheme = "session";
    public const string BearerScheme = "bearer";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["API tokens"] = "Personal API tokens for integrators; managed from a signed-in browser session only.",
        ["Auth"] = "Browser sign-in and sign-out.",
        ["Branding"] = "How the platform presents itself on the request's host.",
        ["Clients"] = "White-label clients (platform admins).",
        ["Deployments"] = "Deployed templates: create, start, stop, change values, logs and manifests.",
        ["Me"] = "The caller, their organizations and teams.",
        ["Organization members"] = "Members of an organization and their roles.",
        ["Organizations"] = "Organizations, their plan, usage and audit log.",
        ["Plans"] = "The plans organizations can be on.",
        ["Probes"] = "Liveness and readiness probes.",
        ["Sessions"] = "The caller's browser sessions; managed from a signed-in browser session only.",
        ["Team members"] = "Members of a team and their roles.",
        ["Teams"] = "Teams of an organization.",
        ["Templates"] = "Multi-service templates and their versions.",
    };

    public static IServiceCollection AddCleanSchedulerOpenApi(this IServiceCollection services, string cookieName) =>
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "CleanScheduler API",
                    Version = "v1",
                    Description = "Organizations, teams, members, templates and deployments of a CleanScheduler platform. "
                        + "Integrators authenticate with an API token (`Authorization: Bearer cs_...`, created on the Account page); "
                        + "the web UI uses its session cookie. Errors are RFC 9457 problem details with a stable `code`; "
                        + "lists are paged with `page` and `pageSize`.",
                };
                foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SessionScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = cookieName,
                    Description = "The session cookie set by /auth/login.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token (`cs_...`). A `read` token may only read; a token limited to an organization reaches only that one.",
                };
                document.Security ??= [];
                document.Security.Add(Requirement(document, SessionScheme));   // either one
                document.Security.Add(Requirement(document, BearerScheme));
                document.Tags ??= new HashSet<OpenApiTag>();
                foreach (var tag in document.Tags)
                    if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description)) tag.Description = description;
                return Task.CompletedTask;
            });
            // Per operation: public endpoints need nothing; session-only endpoints (tokens, sessions) take no bearer token.
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                    operation.Security = [];
                else if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == BearerTokens.SessionPolicy))
                    operation.Security = [Requirement(context.Document!, SessionScheme)];
                return Task.CompletedTask;
            });
        });

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument document, string scheme) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };
}
