using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using CleanScheduler.Application;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Invitations;
using CleanScheduler.Infrastructure;
using CleanScheduler.WebApi.Auth;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Endpoints;
using CleanScheduler.WebApi.Errors;
using CleanScheduler.WebApi.Metrics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;
using Serilog;
using Serilog.Extensions.Logging;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>Wiring of the server: services, then the request pipeline. Nothing here decides business rules.</summary>
public static class ServerComposition
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddCleanScheduler(this WebApplicationBuilder builder, ServerSettings settings)
    {
        builder.Logging.ClearProviders();   // Serilog writes stdout; a provider registered later (a test's) gets the events too
        var providers = new LoggerProviderCollection();
        builder.Services.AddSerilog(Logging.CreateLogger(settings.LogLevel, providers), dispose: true, providers);
        builder.WebHost.UseUrls(settings.ServerAddr.ToUrl());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });
        // A request's code runs on the thread that read it, not queued once more to the thread pool (+5-10% on the list,
        // bench/README.md). The runtime's own switch (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1), which would run it
        // on the socket engine's threads, is not set: Npgsql cancels a query with synchronous socket I/O, which deadlocked
        // those threads under load.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(new Application.Features.Deployments.DeploymentOptions(settings.DeploymentDomain, settings.KubernetesNamespace));
        services.AddSingleton(sp => new Application.Features.Tasks.TaskOptions(sp.GetRequiredService<Application.Features.Deployments.DeploymentOptions>(), settings.TaskNamespace));
        services.AddApplication();
        var secretsKey = SecretsKey(settings);
        services.AddInfrastructure(settings.ConnectionString,
            new SessionStorage(settings.SessionBackend, settings.SessionIdleTimeout, settings.Redis), secretsKey, settings.SecretsEncryptionKeysPrevious);
        services.AddSecretValueStore(settings);
        services.AddDeploymentManifests(new Kubernetes.RenderOptions(settings.ClusterSecretStore, settings.DisableNetworkPolicies));
        services.AddHostedService<SessionCleanupService>();
        services.AddMail(settings);
        services.AddBilling(settings);
        services.AddTemplateDrafts(settings);
        if (settings.Kubernetes is { } cluster)
        {
            services.AddKubernetesCluster(cluster);
            services.AddHostedService<ClusterSyncService>();
            services.AddHostedService<TaskSyncService>();
        }

        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentUser, HttpCurrentUser>();
        services.AddSingleton<DevUserCache>();
        services.AddSingleton<Endpoints.SecretBackendReadiness>();
        services.AddScoped<RequestClient>();
        services.AddScoped<ICurrentClient>(sp => sp.GetRequiredService<RequestClient>());
        services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        if (settings.GoogleRedirectUrl is not null) services.AddAuthentication().AddOidcSignIn(settings, secretsKey);   // outside DEV_MODE
        services.AddBearerTokenAuthorization();
        services.AddSingleton(LogStreamLimits.Default);
        services.AddSingleton(MetricsStreamLimits.Default);
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Live log streams: a concurrency limit per user, held for the whole stream; no queue, the answer is at once.
            options.AddPolicy(LogStreamLimits.Policy, http => http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user
                ? RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<LogStreamLimits>().PerUser,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));   // unreachable: the route needs a signed-in user, and authorization runs first
            options.AddPolicy(MetricsStreamLimits.Policy, http => http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user
                ? RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<MetricsStreamLimits>().Streams.PerUser,
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));
            // Invitations and resends (each sends a mail): a fixed window per user.
            options.AddPolicy(InvitationLimits.Policy, http => http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user
                ? RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<InvitationLimits>().PerUserPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));
            options.OnRejected = (context, _) =>
            {
                if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == InvitationLimits.Policy)
                {
                    var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                    context.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    var perMinute = context.HttpContext.RequestServices.GetRequiredService<InvitationLimits>().PerUserPerMinute;
                    return new ValueTask(Problems.WriteAsync(context.HttpContext, Problems.Coded(StatusCodes.Status429TooManyRequests, "Too many invitations",
                        "invitation.rate_limited", $"You sent {perMinute} invitations or resends within a minute, the most allowed; try again shortly.")));
                }
                context.HttpContext.Response.Headers.RetryAfter = ((int)LogStreamLimits.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                if (context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == MetricsStreamLimits.Policy)
                    return new ValueTask(Problems.WriteAsync(context.HttpContext, Problems.Coded(StatusCodes.Status429TooManyRequests, "Too many metrics streams",
                        "metrics.too_many_streams", $"You have {context.HttpContext.RequestServices.GetRequiredService<MetricsStreamLimits>().Streams.PerUser} metrics streams open already; close one (another tab or window) and try again.")));
                var limits = context.HttpContext.RequestServices.GetRequiredService<LogStreamLimits>();
                return new ValueTask(Problems.WriteAsync(context.HttpContext, Problems.Coded(StatusCodes.Status429TooManyRequests, "Too many log streams",
                    "logs.too_many_streams", $"You have {limits.PerUser} log streams open already; close one (another tab or window) and try again.")));
            };
        });

        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions.TryAdd("code", DefaultCode(problem.Status ?? context.HttpContext.Response.StatusCode));
            problem.Extensions.Remove("exception");
        });
        services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemDetailsWriter>();   // after the JSON writer: only when it declines
        services.AddExceptionHandler<ProblemDetailsForExceptions>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => ConfigureJson(options.SerializerOptions));
        services.AddCleanSchedulerOpenApi(settings.SessionCookieName);
        services.AddServerMetrics(settings);
        return builder;
    }

    public static WebApplication UseCleanScheduler(this WebApplication app, ServerSettings settings)
    {
        app.UseRequestLogging();   // outermost: it logs the status the client finally gets
        app.UseRequestMetrics(settings);   // ...and so does the request duration histogram
        app.UseExceptionHandler();
        app.UseStatusCodePages(context => Problems.WriteAsync(context.HttpContext, Problems.ForStatus(context.HttpContext)));
        if (settings.DevMode) app.UseMiddleware<LocalOnlyMiddleware>();   // before anything answers: DEV_MODE is for this machine only
        if (settings.ReactUiDirectory is { } webUi) app.UseWebUiFiles(webUi);
        app.UseMiddleware<ClientResolutionMiddleware>();
        app.UseMiddleware<SameOriginMiddleware>();   // needs the request's client (its domain is an own origin)
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();   // after authorization: limits are per signed-in user

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "CleanScheduler API v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "CleanScheduler API";
        });

        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        app.MapMeEndpoints();
        app.MapSessionEndpoints();
        app.MapOrganizationEndpoints();
        app.MapTeamEndpoints();
        app.MapPlanEndpoints();
        app.MapClientEndpoints();
        app.MapTemplateEndpoints();
        app.MapTemplateDraftEndpoints();
        app.MapDeploymentEndpoints();
        app.MapTaskEndpoints();
        app.MapTokenEndpoints();
        app.MapInvitationEndpoints();
        if (settings.BillingEnabled) app.MapBillingEndpoints();
        app.MapSecretEndpoints();
        if (settings.ReactUiDirectory is { } ui) app.MapWebUiFallback(ui);

        var database = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        app.Logger.LogInformation(
            "CleanScheduler server on {Address} (DEV_MODE={DevMode}, sessions={Sessions}, database {Host}:{Port}/{Database})",
            settings.ServerAddr.ToUrl(), settings.DevMode, settings.SessionBackend, database.Host, database.Port, database.Database);
        return app;
    }

    /// <summary>The API's JSON settings over ASP.NET Core's web defaults (bench/micro measures writing with them).</summary>
    public static void ConfigureJson(System.Text.Json.JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.MaxDepth = 32;
        options.NumberHandling = JsonNumberHandling.Strict;   // a number is a number: "5" is refused, and the document says integer
    }

    /// <summary>The configured key; in DEV_MODE without one, a random key for this run (stored secrets die with the process).</summary>
    private static byte[] SecretsKey(ServerSettings settings)
    {
        if (settings.SecretsEncryptionKey is { } key) return key;
        Console.Error.WriteLine("warning: SECRETS_ENCRYPTION_KEY is not set; DEV_MODE uses a random key for this run, so secret values stored now cannot be read after a restart");
        return System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
    }

    private static string DefaultCode(int status) => status switch
    {
        400 => "request.invalid",
        401 => "auth.required",
        403 => "permission.denied",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "request.too_large",
        415 => "request.unsupported_media_type",
        429 => "rate_limited",
        503 => "unavailable",
        _ => status >= 500 ? "internal_error" : "request.invalid",
    };
}
