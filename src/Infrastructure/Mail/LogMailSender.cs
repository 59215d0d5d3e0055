using CleanScheduler.Application.Common;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Infrastructure.Mail;

/// <summary>
/// EMAIL_PROVIDER=log (the default): nothing is delivered. With DEV_MODE the whole mail is printed, links included, so a
/// local run can follow an invitation; otherwise only recipient and subject are logged (a link is a credential).
/// </summary>
public sealed class LogMailSender(ILogger<LogMailSender> logger, bool printContent) : IMailSender
{
    public Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        if (printContent)
            logger.LogInformation("Mail (EMAIL_PROVIDER=log) to {To}: {Subject}\n{Text}", message.To, message.Subject, message.Text);
        else
            logger.LogWarning("Mail to {To} not delivered (EMAIL_PROVIDER=log): {Subject}", message.To, message.Subject);
        return Task.CompletedTask;
    }
}
