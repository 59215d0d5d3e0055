using System.Runtime.CompilerServices;
using CleanScheduler.Application.Features.Billing;
using CleanScheduler.Infrastructure.Billing;
using CleanScheduler.WebApi.Configuration;
using Stripe;

namespace CleanScheduler.WebApi.Hosting;

public static class BillingComposition
{
    /// <summary>Stripe.net's client (STRIPE_API_KEY; STRIPE_API_BASE in tests), the gateway and the webhook verifier; nothing when billing is off.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(new BillingOptions(settings.BillingEnabled));
        return settings.BillingEnabled ? AddStripe(services, settings) : services;
    }

    /// <summary>Apart from <see cref="AddBilling"/>: compiling a method loads the assemblies it names, and Stripe.net stays unloaded while billing is off.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IServiceCollection AddStripe(IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton<IStripeClient>(new StripeClient(new StripeClientOptions
        {
            ApiKey = settings.StripeApiKey,
            ApiBase = settings.StripeApiBase?.ToString().TrimEnd('/') ?? StripeClient.DefaultApiBase,
        }));
        services.AddSingleton<IBillingGateway, StripeBillingGateway>();
        services.AddSingleton<IBillingWebhook>(sp => new StripeWebhook(settings.StripeWebhookSecret!, sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
