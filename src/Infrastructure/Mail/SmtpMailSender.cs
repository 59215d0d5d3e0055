using System.Net.Sockets;
using CleanScheduler.Application.Common;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CleanScheduler.Infrastructure.Mail;

/// <summary>EMAIL_PROVIDER=smtp: SMTP_HOST, SMTP_PORT (465: TLS from the start; otherwise STARTTLS when offered), optional login.</summary>
public sealed record SmtpOptions(string Host, int Port, string? Username, string? Password, MailboxAddress From);

/// <summary>
/// Sends through an SMTP server with MailKit, one connection per message. A 4xx answer, a dropped or refused connection
/// and a failed login are worth retrying; a 5xx refusal of the sender, recipient or message is permanent.
/// </summary>
public sealed class SmtpMailSender(SmtpOptions options) : IMailSender
{
    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = 30_000 };
        try
        {
            var mime = new MimeMessage();
            mime.From.Add(options.From);
            mime.To.Add(MailboxAddress.Parse(message.To));
            mime.Subject = message.Subject;
            mime.Body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html }.ToMessageBody();
            var security = options.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(options.Host, options.Port, security, cancellationToken);
            if (options.Username is not null)
                await client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
            await client.SendAsync(mime, cancellationToken);
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (ParseException e)
        {
            throw new MailDeliveryException("The recipient's address cannot be used in a mail", permanent: true, e);
        }
        catch (SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            throw new MailDeliveryException($"The SMTP server answered {code}", permanent: code >= 500, e);
        }
        catch (AuthenticationException e)
        {
            throw new MailDeliveryException("The SMTP server refused the login (SMTP_USERNAME, SMTP_PASSWORD)", permanent: false, e);
        }
        catch (Exception e) when (e is SmtpProtocolException or ServiceNotConnectedException or SocketException or IOException or SslHandshakeException
                                   || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MailDeliveryException($"The SMTP server {options.Host}:{options.Port} could not be reached or dropped the connection ({e.GetType().Name})",
                permanent: false, e);
        }
    }
}
