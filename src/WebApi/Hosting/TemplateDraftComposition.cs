using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CleanScheduler.Application.Features.Me;
using CleanScheduler.Application.Features.Templates;
using CleanScheduler.Infrastructure.Ai;
using CleanScheduler.WebApi.Configuration;
using CleanScheduler.WebApi.Errors;
using Microsoft.AspNetCore.RateLimiting;

namespace CleanScheduler.WebApi.Hosting;

public static class TemplateDraftComposition
{
    /// <summary>
    /// AI template drafts: the per-user rate limit, and with ANTHROPIC_API_KEY the Anthropic client and the draft model
    /// over it. Without the key /api/me says <c>templateDrafts: false</c> and the draft endpoint answers 404.
    /// </summary>
    public static IServiceCollection AddTemplateDrafts(this IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(new MeCapabilities(TemplateDrafts: settings.Anthropic is not null));
        services.AddSingleton(settings.TemplateDrafts);
        services.Configure<RateLimiterOptions>(options => options.AddPolicy<string, TemplateDraftRateLimit>(TemplateDraftOptions.RateLimitPolicy));
        return settings.Anthropic is { } anthropic ? AddAnthropic(services, anthropic, settings.TemplateDrafts) : services;
    }

    /// <summary>Apart from <see cref="AddTemplateDrafts"/>: compiling a method loads the assemblies it names, and the Anthropic SDK stays unloaded without a key.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IServiceCollection AddAnthropic(IServiceCollection services, AnthropicSettings anthropic, TemplateDraftOptions drafts)
    {
        services.AddSingleton(AnthropicTemplateDraftModel.CreateClient(anthropic, drafts.Timeout));
        services.AddSingleton<ITemplateDraftModel>(sp => new AnthropicTemplateDraftModel(sp.GetRequiredService<Anthropic.IAnthropicClient>(), anthropic.Model,
            sp.GetRequiredService<ILogger<AnthropicTemplateDraftModel>>()));
        return services;
    }
}

/// <summary>Drafts per user: a sliding hour in six steps, no queue; a refusal is a 429 <c>ai.rate_limited</c> with Retry-After.</summary>
public sealed class TemplateDraftRateLimit(TemplateDraftOptions options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => (context, _) =>
    {
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(10);
        context.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return new ValueTask(Problems.WriteAsync(context.HttpContext, Problems.Coded(StatusCodes.Status429TooManyRequests, "Too many drafts",
            "ai.rate_limited", $"You asked for {options.PerUserPerHour} drafts within an hour, the most allowed; try again later.")));
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        httpContext.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } user
            ? RateLimitPartition.GetSlidingWindowLimiter(user, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = options.PerUserPerHour,
                Window = TimeSpan.FromHours(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            })
            : RateLimitPartition.GetNoLimiter("");   // unreachable: the route needs a signed-in user, and authorization runs first
}
