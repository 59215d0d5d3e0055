using System.Runtime.CompilerServices;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Invitations;
using CleanScheduler.Infrastructure.Mail;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

public static class MailComposition
{
    /// <summary>
    /// Invitations and their mail: the provider EMAIL_PROVIDER names (smtp through MailKit, sendgrid through the SendGrid
    /// package, log), the PostgreSQL mail outbox and the worker that sends it.
    /// </summary>
    public static IServiceCollection AddMail(this IServiceCollection services, ServerSettings settings)
    {
        var delivery = MailDeliveryOptions.Default with { GiveUpAfter = settings.EmailGiveUpAfter, FirstRetryDelay = settings.EmailRetryDelay,
            PollInterval = settings.EmailRetryDelay < MailDeliveryOptions.Default.PollInterval ? settings.EmailRetryDelay : MailDeliveryOptions.Default.PollInterval };
        if (delivery.FirstRetryDelay > delivery.MaxRetryDelay) delivery = delivery with { MaxRetryDelay = delivery.FirstRetryDelay };
        services.AddSingleton(delivery);
        services.AddSingleton(new InvitationLinkOptions(settings.BaseUrl));
        services.AddSingleton(InvitationLimits.Default);
        services.AddScoped<InvitationMailer>();
        services.AddScoped<InvitationSender>();
        services.AddSingleton<MailOutboxSignal>();
        services.AddSingleton<IMailOutbox, MailOutboxStore>();
        services.AddSingleton<MailDispatcher>();
        switch (settings.EmailProvider)
        {
            case "smtp":
                services.AddSingleton(new SmtpOptions(settings.SmtpHost!, settings.SmtpPort, settings.SmtpUsername, settings.SmtpPassword, settings.EmailFrom!));
                services.AddSingleton<IMailSender, SmtpMailSender>();
                break;
            case "sendgrid":
                AddSendGrid(services, settings);
                break;
            default:
                services.AddSingleton<IMailSender>(sp => new LogMailSender(sp.GetRequiredService<ILogger<LogMailSender>>(), printContent: settings.DevMode));
                break;
        }
        services.AddHostedService<MailOutboxService>();
        return services;
    }

    /// <summary>Apart from <see cref="AddMail"/>: compiling a method loads the assemblies it names, and SendGrid stays unloaded with another provider.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddSendGrid(IServiceCollection services, ServerSettings settings)
    {
        services.AddSingleton(new SendGridOptions(settings.SendGridApiKey!, settings.SendGridApiHost,
            new SendGrid.Helpers.Mail.EmailAddress(settings.EmailFrom!.Address, settings.EmailFrom.Name)));
        // One long-lived client for the worker; connections are renewed every 5 minutes, so DNS changes are followed.
        services.AddSingleton<IMailSender>(sp => new SendGridMailSender(
            new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(30) },
            sp.GetRequiredService<SendGridOptions>()));
    }
}

/// <summary>
/// Sends the mail outbox: at once when a change queued mail on this server, and every poll interval for what other
/// servers queued and for retries. A pass that fails (the database away) is logged and the next one tries again.
/// </summary>
public sealed class MailOutboxService(MailDispatcher dispatcher, MailOutboxSignal signal, MailDeliveryOptions options, ILogger<MailOutboxService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await dispatcher.DispatchAsync(10, stoppingToken) == 10) { }   // a full batch: more may be due
                await signal.WaitAsync(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Mail outbox pass failed; it runs again in {Interval}", options.PollInterval);
                try { await Task.Delay(options.PollInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
