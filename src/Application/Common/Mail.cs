using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Common;

/// <summary>One e-mail: a text and an HTML body, to one recipient. The sender (EMAIL_FROM) is the adapter's setting.</summary>
public sealed record MailMessage(string To, string Subject, string Text, string Html);

/// <summary>Hands a message to the mail provider (SMTP, SendGrid, or the log). Throws <see cref="MailDeliveryException"/> when it did not take it.</summary>
public interface IMailSender
{
    Task SendAsync(MailMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// The provider did not accept the message. <see cref="Permanent"/>: it never will (the recipient was refused, the request is
/// invalid); otherwise it may later (unreachable, busy, a 4xx answer) and the outbox tries again with back-off.
/// The message never contains the mail's content.
/// </summary>
public sealed class MailDeliveryException(string message, bool permanent, Exception? inner = null) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>How the outbox retries: the first wait after a failure (doubling up to <see cref="MaxRetryDelay"/>) and when it gives up.</summary>
public sealed record MailDeliveryOptions(TimeSpan GiveUpAfter, TimeSpan FirstRetryDelay, TimeSpan MaxRetryDelay, TimeSpan PollInterval)
{
    public static readonly MailDeliveryOptions Default = new(TimeSpan.FromHours(24), TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), TimeSpan.FromSeconds(30));

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1: the first delay, doubled per attempt, at most the maximum.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = FirstRetryDelay * factor;
        return delay > MaxRetryDelay ? MaxRetryDelay : delay;
    }
}

/// <summary>
/// A claimed outbox row, with how often it was tried (this claim included) and when it is given up. <see cref="Read"/>
/// decrypts the message; it throws for a row that cannot be read (a key no longer configured), which the dispatcher gives up.
/// </summary>
public sealed record OutboxMail(Guid Id, Func<MailMessage> Read, int Attempts, DateTimeOffset GiveUpAt);

/// <summary>
/// The mail outbox (rows are queued with the change they announce, in one transaction). Claiming leases rows with
/// FOR UPDATE SKIP LOCKED, so that several servers never send the same row; a sent row is never claimed again.
/// </summary>
public interface IMailOutbox
{
    Task<IReadOnlyList<OutboxMail>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken);
    Task MarkSentAsync(Guid id, CancellationToken cancellationToken);
    Task RetryLaterAsync(Guid id, TimeSpan delay, string error, CancellationToken cancellationToken);
    Task GiveUpAsync(Guid id, string error, CancellationToken cancellationToken);
}

/// <summary>
/// A row of <c>mail_outbox</c> as queued: the message encrypted with the secrets key (an invitation mail carries its
/// token), added to the unit of work of the change it announces so that both commit together.
/// </summary>
public sealed class OutboxMailRow
{
    private OutboxMailRow() { }

    public Guid Id { get; private set; }
    public Guid? InvitationId { get; private set; }
    public string Recipient { get; private set; } = null!;
    public byte[]? Content { get; private set; }
    public string? KeyId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset GiveUpAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? SentAt { get; private set; }
    public DateTimeOffset? FailedAt { get; private set; }
    public string? LastError { get; private set; }

    public static OutboxMailRow Queue(MailMessage message, Guid? invitation, ISecretCipher cipher, DateTimeOffset now, TimeSpan giveUpAfter)
    {
        var id = Guid.CreateVersion7(now);
        var (content, keyId) = cipher.Encrypt(System.Text.Json.JsonSerializer.Serialize(message), ContentContext(id));
        return new OutboxMailRow
        {
            Id = id, InvitationId = invitation, Recipient = message.To, Content = content, KeyId = keyId,
            CreatedAt = now, GiveUpAt = now + giveUpAfter, NextAttemptAt = now,
        };
    }

    /// <summary>The cipher context of a row's content: it decrypts only as that row's.</summary>
    public static string ContentContext(Guid id) => $"mail_outbox:{id}";

    public static MailMessage Read(byte[] content, string keyId, Guid id, ISecretCipher cipher) =>
        System.Text.Json.JsonSerializer.Deserialize<MailMessage>(cipher.Decrypt(content, keyId, ContentContext(id)))
        ?? throw new InvalidOperationException($"Outbox mail {id} has no content.");
}

/// <summary>Wakes the mail worker when a unit of work queued mail (instead of waiting for its next poll).</summary>
public sealed class MailOutboxSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        try { _pending.Release(); }
        catch (SemaphoreFullException) { }   // already signalled
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// One pass of the mail worker: claims due outbox rows (leased, so another server skips them), sends each, and marks it
/// sent right after the provider took it. A failure the provider may get over (unreachable, 4xx) is retried with
/// back-off until the row's give-up time, then the row fails (and its invitation shows "mail failed"); a permanent
/// refusal fails at once. Any other failure of one row (it cannot be decrypted, a sender bug) gives that row up at once,
/// so that one bad row never holds up the others; so does a row claimed again a lease after its give-up time (its last
/// attempt never finished).
/// </summary>
public sealed class MailDispatcher(IMailOutbox outbox, IMailSender sender, MailDeliveryOptions options, TimeProvider clock,
    ILogger<MailDispatcher> logger)
{
    /// <summary>How long a claimed row stays with this worker: longer than a send may take (the senders time out after 30 s).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    public async Task<int> DispatchAsync(int max, CancellationToken cancellationToken)
    {
        var claimed = await outbox.ClaimAsync(max, Lease, cancellationToken);
        foreach (var mail in claimed)
        {
            if (clock.GetUtcNow() >= mail.GiveUpAt + Lease)
            {
                await GiveUpAsync(mail, "Its last attempt did not finish before the give-up time", cancellationToken);
                continue;
            }
            try
            {
                await sender.SendAsync(mail.Read(), cancellationToken);
            }
            catch (MailDeliveryException e)
            {
                await FailedAsync(mail, e, cancellationToken);
                continue;
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                await GiveUpAsync(mail, $"It could not be prepared or sent ({e.GetType().Name})", cancellationToken, e);
                continue;
            }
            await outbox.MarkSentAsync(mail.Id, CancellationToken.None);   // at once: a sent row must not wait for a cancelled pass
        }
        return claimed.Count;
    }

    private async Task FailedAsync(OutboxMail mail, MailDeliveryException e, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (e.Permanent || now >= mail.GiveUpAt)
        {
            await GiveUpAsync(mail, e.Message, cancellationToken);
            return;
        }
        var delay = options.RetryDelay(mail.Attempts);
        if (now + delay > mail.GiveUpAt) delay = mail.GiveUpAt - now;   // the last attempt at the give-up time
        logger.LogInformation("Mail {Id} not delivered (attempt {Attempts}), retrying in {Delay}: {Reason}", mail.Id, mail.Attempts, delay, e.Message);
        await outbox.RetryLaterAsync(mail.Id, delay, e.Message, cancellationToken);
    }

    private async Task GiveUpAsync(OutboxMail mail, string reason, CancellationToken cancellationToken, Exception? unexpected = null)
    {
        logger.LogWarning(unexpected, "Mail {Id} given up after {Attempts} attempt(s): {Reason}", mail.Id, mail.Attempts, reason);
        await outbox.GiveUpAsync(mail.Id, reason, cancellationToken);
    }
}
