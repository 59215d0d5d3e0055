using System.Net;
using CleanScheduler.Application.Common;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace CleanScheduler.Infrastructure.Mail;

/// <summary>EMAIL_PROVIDER=sendgrid: the API key, and the API's address (SENDGRID_API_HOST, for tests; https://api.sendgrid.com by default).</summary>
public sealed record SendGridOptions(string ApiKey, Uri Host, EmailAddress From);

/// <summary>
/// Sends through SendGrid's v3 mail/send with the SendGrid package. 202 is accepted; 429, 5xx, 401/403 (a key to fix)
/// and a failed connection are retried; any other 4xx is a permanent refusal of this message.
/// </summary>
public sealed class SendGridMailSender(HttpClient http, SendGridOptions options) : IMailSender
{
    private readonly SendGridClient _client = new(http, new SendGridClientOptions { ApiKey = options.ApiKey, Host = options.Host.AbsoluteUri.TrimEnd('/') });

    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        var mail = MailHelper.CreateSingleEmail(options.From, new EmailAddress(message.To), message.Subject, message.Text, message.Html);
        Response response;
        try
        {
            response = await _client.SendEmailAsync(mail, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MailDeliveryException($"SendGrid ({options.Host.Host}) could not be reached ({e.GetType().Name})", permanent: false, e);
        }
        if (response.IsSuccessStatusCode) return;
        var status = (int)response.StatusCode;
        var retry = status is 429 or >= 500 || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
        throw new MailDeliveryException($"SendGrid answered {status}", permanent: !retry);
    }
}
