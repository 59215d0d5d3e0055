// bench/api's baseline: Kestrel answering GET and POST /api/deployments with bytes the API answered (a list of 100,
// a created deployment), so API/bare is the cost of everything but HTTP and the body.
// Usage: BareKestrel URL LIST_JSON_FILE CREATED_JSON_FILE
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls(args[0]);
var list = await File.ReadAllBytesAsync(args[1]);
var created = await File.ReadAllBytesAsync(args[2]);
var app = builder.Build();
app.MapGet("/api/deployments", (HttpContext http) => WriteAsync(http, StatusCodes.Status200OK, list));
app.MapPost("/api/deployments", async (HttpContext http) =>
{
    await http.Request.Body.CopyToAsync(Stream.Null);
    await WriteAsync(http, StatusCodes.Status201Created, created);
});
await app.RunAsync();

static Task WriteAsync(HttpContext http, int status, byte[] body)
{
    http.Response.StatusCode = status;
    http.Response.ContentType = "application/json; charset=utf-8";
    http.Response.ContentLength = body.Length;
    return http.Response.Body.WriteAsync(body).AsTask();
}
