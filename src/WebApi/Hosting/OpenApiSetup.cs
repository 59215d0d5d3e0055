using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CleanScheduler.WebApi.Hosting;

public static class OpenApiSetup
{
    /// <summary>The OpenAPI 3.1 document at /openapi/v1.json: title, description and how callers authenticate.</summary>
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
                        + "Errors are RFC 9457 problem details with a stable `code`; lists are paged with `page` and `pageSize`.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["session"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Cookie,
                    Name = cookieName,
                    Description = "The session cookie set by /auth/login.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("session", document)] = [] });
                return Task.CompletedTask;
            });
        });
}
