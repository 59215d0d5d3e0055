using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// Serves the built React UI (REACT_UI=true): its files as they are, hashed assets cached for a year, and index.html
/// for every other GET path so that the browser's router handles it. The server's own paths are never swallowed:
/// an unknown path under them stays a 404 problem, an unknown method a 405.
/// </summary>
public static class WebUiHosting
{
    private static readonly string[] ServerPaths = ["/api", "/auth", "/oauth2", "/openapi", "/swagger", "/healthz", "/readyz", "/metrics"];

    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

    public static bool IsServerPath(PathString path) =>
        ServerPaths.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Static files; call before authentication (the UI's files are public, the data behind it is not).</summary>
    public static WebApplication UseWebUiFiles(this WebApplication app, string directory)
    {
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(directory),
            OnPrepareResponse = context =>
            {
                // Vite names every asset by its content hash: a changed file is a new URL.
                SetHeaders(context.Context.Response.Headers,
                    context.Context.Request.Path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable" : "no-cache",
                    html: context.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase));
            },
        });
        return app;
    }

    /// <summary>The client-side routes: any other GET or HEAD answers index.html (revalidated on every load).</summary>
    public static WebApplication MapWebUiFallback(this WebApplication app, string directory)
    {
        var index = Path.Combine(directory, "index.html");
        app.MapFallback(async context =>
        {
            var path = context.Request.Path;
            if (IsServerPath(path) || Path.HasExtension(path.Value))   // a missing API route or file: not the UI
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;   // the status-code pages answer the problem
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            SetHeaders(context.Response.Headers, "no-cache", html: true);
            if (HttpMethods.IsHead(context.Request.Method)) return;
            await context.Response.SendFileAsync(index, context.RequestAborted);
        })
        .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
        .AllowAnonymous()
        .ExcludeFromDescription();
        return app;
    }

    /// <summary>What every file of the UI is sent with; pages also get the content security policy.</summary>
    private static void SetHeaders(IHeaderDictionary headers, string cacheControl, bool html)
    {
        headers.CacheControl = cacheControl;
        headers.XContentTypeOptions = "nosniff";
        if (html) headers.ContentSecurityPolicy = ContentSecurityPolicy;
    }
}
