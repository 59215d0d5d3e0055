using System.Net;
using System.Text.Json;
using static CleanScheduler.WebApi.FunctionalTests.Api;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class ProtocolTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Probes_answer()
    {
        var api = factory.Anonymous();

        Assert.Equal("ok", (await api.ExpectAsync(api.GetAsync("/healthz"), HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("ready", (await api.ExpectAsync(api.GetAsync("/readyz"), HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_routes_wrong_methods_and_wrong_content_types_are_problem_details()
    {
        var api = factory.As(ApiFactory.NewEmail("proto"));

        await ProblemAsync(api.GetAsync("/api/does-not-exist"), HttpStatusCode.NotFound, "route.not_found");
        await ProblemAsync(api.Http.PutAsync("/api/me", null), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await ProblemAsync(api.SendRawAsync(HttpMethod.Post, "/api/orgs", "name=Acme", "application/x-www-form-urlencoded"),
            HttpStatusCode.UnsupportedMediaType, "request.unsupported_media_type");
    }

    [Fact]
    public async Task The_openapi_document_is_openapi_3_and_describes_every_api_endpoint_with_its_errors()
    {
        var api = factory.Anonymous();
        var document = await api.ExpectAsync(api.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        Assert.Equal("CleanScheduler API", document.GetProperty("info").GetProperty("title").GetString());
        var paths = document.GetProperty("paths");
        var routes = RouteCatalog.ApiRoutes(factory.Services);
        Assert.True(routes.Count >= 19);
        foreach (var route in routes)
        {
            var path = route.Pattern.Replace(":guid", "");
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            Assert.True(item.TryGetProperty(route.Method.ToLowerInvariant(), out var operation), $"{route} is not in the document");
            var responses = operation.GetProperty("responses");
            if (!route.Anonymous) Assert.True(responses.TryGetProperty("401", out _), $"{route} does not declare 401");
            Assert.Contains(responses.EnumerateObject(), r => r.Name.StartsWith('2'));
            if (route.HasBody)
            {
                Assert.True(operation.TryGetProperty("requestBody", out var body), $"{route} has no request body schema");
                Assert.True(body.GetProperty("content").TryGetProperty("application/json", out _));
                Assert.True(responses.TryGetProperty("400", out _), $"{route} does not declare 400");
            }
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("ProblemDetails", out _));
        Assert.True(schemas.TryGetProperty("OrganizationDetails", out _));
        Assert.True(document.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("session", out _));
        var required = schemas.GetProperty("CreateOrganizationRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString());
        Assert.Equal(["name"], required);   // the slug is optional: it is derived from the name
    }

    [Fact]
    public async Task Swagger_ui_is_served()
    {
        using var response = await factory.Anonymous().Http.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Error_bodies_carry_a_trace_id_and_no_internals()
    {
        var api = factory.As(ApiFactory.NewEmail("trace"));

        var problem = await ProblemAsync(api.GetAsync($"/api/orgs/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "organization.not_found");

        Assert.True(problem.TryGetProperty("traceId", out _));
        Assert.False(problem.TryGetProperty("exception", out _));
        Assert.Equal(JsonValueKind.String, problem.GetProperty("detail").ValueKind);
    }
}
