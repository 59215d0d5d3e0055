using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Hosting;

var builder = WebApplication.CreateBuilder(args);
var (settings, errors) = ServerSettings.Load(builder.Configuration);
if (settings is null)
{
    foreach (var error in errors) Console.Error.WriteLine($"configuration error: {error}");
    return 1;
}

builder.AddCleanScheduler(settings);
var app = builder.Build();
if (args is ["secrets", "reencrypt"]) return await app.ReencryptSecretsAsync(settings);
app.UseCleanScheduler(settings);
if (!await app.PrepareDatabaseAsync()) return 1;
try
{
    await app.RunAsync();
}
catch (Exception e) when (AddressInUseException.LineFor(e, $"{settings.ServerAddr.Host}:{settings.ServerAddr.Port}") is { } line)
{
    Console.Error.WriteLine($"start-up error: {line}");
    return 1;
}
return 0;

public partial class Program;
