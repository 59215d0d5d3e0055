using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CleanScheduler.TestSupport;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>
/// A real OpenID Connect provider: npm oauth2-mock-server through frontend/e2e/oidc-provider.mjs, on a free loopback
/// port, killed on dispose (and it exits by itself when its stdin closes, so a crashed test host leaves none behind).
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    private readonly NodePeer _peer;

    private OidcProvider(NodePeer peer) => (_peer, Issuer) = (peer, new Uri(peer.Ready.GetProperty("issuer").GetString()!));

    public Uri Issuer { get; }

    public static async Task<OidcProvider> StartAsync(string clientId, string clientSecret, int port = 0)
    {
        return new OidcProvider(await NodePeer.StartAsync("oidc-provider.mjs", "oauth2-mock-server",
            "--client-id", clientId, "--client-secret", clientSecret, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public ValueTask DisposeAsync() => _peer.DisposeAsync();
}

/// <summary>What a browser does in a sign-in: follows redirects between our server (a TestServer) and the provider, keeping cookies.</summary>
public sealed class SignInBrowser(HttpClient server, string host = "localhost")
{
    private static readonly HttpClient Provider = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly Uri _origin = new($"http://{host}");

    public CookieContainer Cookies { get; private set; } = new();

    /// <summary>GET on our server as this browser (its Host, its cookies); stores what the answer sets.</summary>
    public async Task<HttpResponseMessage> GetAsync(string pathAndQuery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Host = host;
        var cookies = Cookies.GetCookieHeader(new Uri(_origin, pathAndQuery));
        if (cookies.Length > 0) request.Headers.Add("Cookie", cookies);
        var response = await server.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var set))
            foreach (var cookie in set) Cookies.SetCookies(new Uri(_origin, pathAndQuery), cookie);
        return response;
    }

    /// <summary>Starts at /auth/login, passes the provider's authorize endpoint (with test_* parameters), and stops before our callback.</summary>
    public async Task<Uri> AuthorizeAsync(string email, string? scenario = null, string returnTo = "/")
    {
        using var login = await GetAsync($"/auth/login?returnTo={Uri.EscapeDataString(returnTo)}");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var authorize = login.Headers.Location!;
        Assert.True(authorize.IsAbsoluteUri && authorize.IsLoopback, $"not sent to the provider: {authorize}");
        var extra = $"&test_email={Uri.EscapeDataString(email)}" + (scenario is null ? "" : $"&test_scenario={scenario}");
        using var provider = await Provider.GetAsync(authorize + extra);
        Assert.Equal(HttpStatusCode.Found, provider.StatusCode);
        return provider.Headers.Location!;
    }

    /// <summary>The callback on our server; returns where it sends the browser next.</summary>
    public async Task<string> CallbackAsync(Uri callback)
    {
        using var response = await GetAsync(callback.PathAndQuery);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"callback answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!.OriginalString;
    }

    public async Task<string> SignInAsync(string email, string? scenario = null, string returnTo = "/") =>
        await CallbackAsync(await AuthorizeAsync(email, scenario, returnTo));

    public string? Cookie(string name) => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == name && !c.Expired)?.Value;

    /// <summary>A copy of the cookies as they are now (to replay a request later as an attacker would).</summary>
    public CookieContainer Snapshot()
    {
        var copy = new CookieContainer();
        foreach (Cookie cookie in Cookies.GetAllCookies()) copy.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
        return copy;
    }

    public void Use(CookieContainer cookies) => Cookies = cookies;
}
