using System.Net;
using System.Text.Json;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>What client generators need from the OpenAPI document (redocly lint checks the committed copy in scripts/test.sh).</summary>
public sealed class OpenApiForIntegratorsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private async Task<JsonElement> DocumentAsync()
    {
        var api = factory.Anonymous();
        return await api.ExpectAsync(api.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (p.Name, m.Name, m.Value)));

    [Fact]
    public async Task Every_operation_has_a_unique_camel_case_operation_id_and_a_summary()
    {
        var operations = Operations(await DocumentAsync()).ToList();

        Assert.True(operations.Count >= RouteCatalog.ApiRoutes(factory.Services).Count);
        foreach (var (path, method, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("operationId", out var id), $"{method} {path} has no operationId");
            Assert.Matches("^[a-z][A-Za-z]+$", id.GetString());
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null), $"{method} {path} has no summary");
        }
        var ids = operations.Select(o => o.Operation.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains("listDeployments", ids);
        Assert.Contains("createApiToken", ids);
    }

    [Fact]
    public async Task The_bearer_scheme_is_declared_beside_the_cookie_and_session_only_operations_say_so()
    {
        var document = await DocumentAsync();

        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        var schemes = document.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
        Assert.Equal(["session", "bearer"], schemes);
        var create = Operations(document).Single(o => o.Operation.GetProperty("operationId").GetString() == "createApiToken").Operation;
        Assert.Equal(["session"], create.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)));
        var branding = Operations(document).Single(o => o.Path == "/api/branding").Operation;
        Assert.Equal(0, branding.GetProperty("security").GetArrayLength());   // public
    }

    [Fact]
    public async Task The_server_url_has_no_trailing_slash()
    {
        var servers = (await DocumentAsync()).GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()!).ToList();

        Assert.NotEmpty(servers);
        Assert.All(servers, url => Assert.False(url.EndsWith('/'), url));
    }
}
