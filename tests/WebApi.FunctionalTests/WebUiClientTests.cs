using System.Net;
using System.Text.Json.Nodes;
using CleanScheduler.TestSupport;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// The web UI's API client is generated from a committed copy of the server's OpenAPI document
/// (frontend/src/api/openapi.json; `npm run check:api` checks the generated code against that copy). This test checks
/// the copy against the server: an endpoint or a field changed without regenerating fails here.
/// With UPDATE_OPENAPI=1 it writes the copy instead (scripts/gen-api.sh does that, then regenerates the client).
/// </summary>
public sealed class WebUiClientTests(BillingOnApiFactory factory) : IClassFixture<BillingOnApiFactory>   // every route, billing's too
{
    private static readonly string CommittedCopy = RepoPaths.Of("frontend", "src", "api", "openapi.json");

    [Fact]
    public async Task The_web_uis_copy_of_the_openapi_document_is_the_servers()
    {
        var response = await factory.Anonymous().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CommittedCopy, served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            return;
        }
        Assert.True(File.Exists(CommittedCopy), $"{CommittedCopy} is missing: run bash scripts/gen-api.sh");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(CommittedCopy));
        Assert.True(JsonNode.DeepEquals(served, committed),
            "frontend/src/api/openapi.json differs from the server's /openapi/v1.json: the web UI's client is stale. Run bash scripts/gen-api.sh and commit the result.");
    }
}
