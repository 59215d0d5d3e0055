using System.Net;
using System.Text.Json;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>A server with REACT_UI=true, serving a small built UI from a directory of its own.</summary>
public sealed class WebUiApiFactory : ApiFactory
{
    public const string IndexMarker = "<!-- web ui index -->";

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "cs-webui-" + Guid.NewGuid().ToString("N"));

    public WebUiApiFactory()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "assets"));
        File.WriteAllText(Path.Combine(Directory, "index.html"), $"<!doctype html><html><head><script type=\"module\" src=\"/assets/index-4f2a9c.js\"></script></head><body>{IndexMarker}<div id=\"root\"></div></body></html>");
        File.WriteAllText(Path.Combine(Directory, "assets", "index-4f2a9c.js"), "console.log('ui')");
        File.WriteAllText(Path.Combine(Directory, "favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["REACT_UI"] = "true";
            settings["REACT_UI_DIR"] = Directory;
            return settings;
        }
    }

    protected override Task DisposePeersAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class WebUiTests(WebUiApiFactory factory) : IClassFixture<WebUiApiFactory>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/orgs/7c1e/deployments/42")]
    [InlineData("/templates")]
    public async Task Client_side_routes_answer_index_html_revalidated_on_every_load(string path)
    {
        var response = await factory.Anonymous().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(WebUiApiFactory.IndexMarker, await response.Content.ReadAsStringAsync());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year_and_other_files_revalidated()
    {
        var api = factory.Anonymous();
        var asset = await api.GetAsync("/assets/index-4f2a9c.js");
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("console.log('ui')", await asset.Content.ReadAsStringAsync());
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());

        var icon = await api.GetAsync("/favicon.svg");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("no-cache", icon.Headers.CacheControl?.ToString());

        var missing = await api.GetAsync("/assets/index-000000.js");   // an old bundle is not the index page
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/api/orgs/00000000-0000-0000-0000-000000000000/nothing")]
    [InlineData("/auth/nothing")]
    [InlineData("/openapi/nothing")]
    public async Task The_servers_own_paths_are_not_swallowed_by_the_ui(string path)
    {
        var response = await factory.As(ApiFactory.NewEmail("ui")).GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(WebUiApiFactory.IndexMarker, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_api_probes_and_the_openapi_document_still_answer_beside_the_ui()
    {
        var api = factory.As(ApiFactory.NewEmail("ui"));
        var me = await api.ExpectAsync(api.GetAsync("/api/me"), HttpStatusCode.OK);
        Assert.Equal(api.Email, me.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/healthz")).StatusCode);
        var document = JsonDocument.Parse(await (await api.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync());
        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty("/api/me", out _));
        Assert.DoesNotContain(document.RootElement.GetProperty("paths").EnumerateObject(), p => p.Name.Contains("{*", StringComparison.Ordinal));   // the fallback is not an API route

        var wrongMethod = await api.SendRawAsync(HttpMethod.Put, "/api/orgs", "{}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        var postToUiRoute = await api.SendRawAsync(HttpMethod.Post, "/templates", "{}");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, postToUiRoute.StatusCode);   // the UI is read with GET only
    }
}
