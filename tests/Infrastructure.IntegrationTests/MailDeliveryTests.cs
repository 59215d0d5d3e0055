using System.Collections.Concurrent;
using CleanScheduler.Application.Common;
using CleanScheduler.Infrastructure.Mail;
using CleanScheduler.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>
/// The mail senders against real peers (npm smtp-server with AUTH; a SendGrid v3 fake as strict as the service) and the
/// PostgreSQL mail outbox (migration 0014): retry with back-off, give-up, exactly one send after success, two workers.
/// </summary>
public sealed class MailDeliveryTests(ServicesFixture db) : IClassFixture<ServicesFixture>
{
    private static readonly MailboxAddress From = new("CleanScheduler", "noreply@platform.test");
    private static readonly MailDeliveryOptions Fast = new(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100));

    private ISecretCipher Cipher => db.Services.Services.GetRequiredService<ISecretCipher>();
    private NpgsqlDataSource DataSource => db.Services.Services.GetRequiredService<NpgsqlDataSource>();

    private static MailMessage Message(string to = "ana@example.test") =>
        new(to, $"Invitation {Guid.NewGuid():N}", "Join us: http://localhost/invitations/t", "<p>Join <b>us</b></p>");

    private static SmtpMailSender Smtp(int port, string password = SmtpTestServer.Password) =>
        new(new SmtpOptions("127.0.0.1", port, SmtpTestServer.User, password, From));

    private async Task<Guid> QueueAsync(MailMessage message, TimeSpan? giveUpAfter = null)
    {
        await using var context = db.Services.NewContext();
        var row = OutboxMailRow.Queue(message, null, Cipher, DateTimeOffset.UtcNow, giveUpAfter ?? Fast.GiveUpAfter);
        context.MailOutbox.Add(row);
        await context.SaveChangesAsync();
        return row.Id;
    }

    private async Task<OutboxMailRow> RowAsync(Guid id)
    {
        await using var context = db.Services.NewContext();
        return await context.MailOutbox.AsNoTracking().SingleAsync(r => r.Id == id);
    }

    private MailDispatcher Dispatcher(IMailSender sender, MailDeliveryOptions? options = null) =>
        new(new MailOutboxStore(DataSource, Cipher, TimeProvider.System), sender, options ?? Fast, TimeProvider.System, NullLogger<MailDispatcher>.Instance);

    /// <summary>Runs passes until <paramref name="done"/> holds (or fails after 20 s).</summary>
    private static async Task RunUntilAsync(MailDispatcher dispatcher, Func<Task<bool>> done)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < until, "the outbox did not get there in 20 s");
            await dispatcher.DispatchAsync(10, CancellationToken.None);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Smtp_delivers_text_and_html_after_logging_in()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var message = Message();

        await Smtp(smtp.Port).SendAsync(message, CancellationToken.None);

        var received = Assert.Single(smtp.Messages());
        Assert.Equal(message.Subject, received.Subject);
        Assert.Equal("noreply@platform.test", received.From.Mailboxes.Single().Address);
        Assert.Equal(message.To, received.To.Mailboxes.Single().Address);
        Assert.Contains("/invitations/t", received.TextBody);
        Assert.Contains("<b>us</b>", received.HtmlBody);
    }

    [Fact]
    public async Task Smtp_failures_say_whether_a_retry_can_help()
    {
        await using var smtp = await SmtpTestServer.StartAsync(failFirst: 1);

        var busy = await Assert.ThrowsAsync<MailDeliveryException>(() => Smtp(smtp.Port).SendAsync(Message(), CancellationToken.None));
        var badLogin = await Assert.ThrowsAsync<MailDeliveryException>(() => Smtp(smtp.Port, "wrong").SendAsync(Message(), CancellationToken.None));
        var down = await Assert.ThrowsAsync<MailDeliveryException>(() => Smtp(Loopback.FreePort()).SendAsync(Message(), CancellationToken.None));

        Assert.False(busy.Permanent);
        Assert.Contains("451", busy.Message);
        Assert.False(badLogin.Permanent);
        Assert.DoesNotContain("wrong", badLogin.Message);
        Assert.False(down.Permanent);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task SendGrid_receives_the_message_as_its_v3_api_expects_with_the_key()
    {
        await using var sendGrid = await FakeSendGridServer.StartAsync("SG.test-key");
        using var http = new HttpClient();
        var message = Message();

        await new SendGridMailSender(http, new SendGridOptions("SG.test-key", sendGrid.Address, new("noreply@platform.test", "CleanScheduler")))
            .SendAsync(message, CancellationToken.None);

        var body = Assert.Single(sendGrid.Accepted);
        Assert.Equal(message.To, body["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("noreply@platform.test", body["from"]!["email"]!.GetValue<string>());
        Assert.True(message.Subject == (body["subject"] ?? body["personalizations"]![0]!["subject"])?.GetValue<string>(), body.ToJsonString());
        Assert.Equal(["text/plain", "text/html"], body["content"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()));
        Assert.Equal(message.Html, body["content"]![1]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendGrid_refusals_are_retried_when_the_service_or_the_key_is_at_fault()
    {
        await using var sendGrid = await FakeSendGridServer.StartAsync("SG.right");
        using var http = new HttpClient();
        SendGridMailSender Sender(string key) => new(http, new SendGridOptions(key, sendGrid.Address, new("noreply@platform.test")));
        sendGrid.FailNext(1);

        var busy = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender("SG.right").SendAsync(Message(), CancellationToken.None));
        var badKey = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender("SG.wrong").SendAsync(Message(), CancellationToken.None));
        var invalid = await Assert.ThrowsAsync<MailDeliveryException>(() => Sender("SG.right").SendAsync(Message(to: ""), CancellationToken.None));

        Assert.False(busy.Permanent);
        Assert.False(badKey.Permanent);
        Assert.DoesNotContain("SG.", badKey.Message);
        Assert.True(invalid.Permanent);
        Assert.Empty(sendGrid.Accepted);
    }

    [Fact]
    public async Task A_server_that_answers_4xx_for_a_while_gets_the_mail_exactly_once()
    {
        await using var smtp = await SmtpTestServer.StartAsync(failFirst: 2);
        var dispatcher = Dispatcher(Smtp(smtp.Port));
        var id = await QueueAsync(Message());

        await RunUntilAsync(dispatcher, async () => (await RowAsync(id)).SentAt is not null);
        for (var i = 0; i < 3; i++) await dispatcher.DispatchAsync(10, CancellationToken.None);

        var row = await RowAsync(id);
        Assert.Equal(3, row.Attempts);
        Assert.Null(row.Content);   // the message (a link is a credential) is not kept once sent
        Assert.Single(smtp.Messages());
    }

    [Fact]
    public async Task A_sent_row_is_never_claimed_again_even_after_its_lease()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var dispatcher = Dispatcher(Smtp(smtp.Port));
        var id = await QueueAsync(Message());
        await RunUntilAsync(dispatcher, async () => (await RowAsync(id)).SentAt is not null);

        await using (var command = DataSource.CreateCommand("UPDATE mail_outbox SET next_attempt_at = now() - interval '1 hour' WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await command.ExecuteNonQueryAsync();
        }
        var claimed = await new MailOutboxStore(DataSource, Cipher, TimeProvider.System).ClaimAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.DoesNotContain(claimed, c => c.Id == id);
        Assert.Single(smtp.Messages());
    }

    [Fact]
    public async Task Mail_that_cannot_be_delivered_is_given_up_after_the_configured_time()
    {
        var dispatcher = Dispatcher(Smtp(Loopback.FreePort()));
        var id = await QueueAsync(Message(), giveUpAfter: TimeSpan.FromSeconds(1.5));

        await RunUntilAsync(dispatcher, async () => (await RowAsync(id)).FailedAt is not null);

        var row = await RowAsync(id);
        Assert.True(row.Attempts >= 3, $"only {row.Attempts} attempt(s) before giving up");
        Assert.True(row.FailedAt >= row.GiveUpAt.AddMilliseconds(-50), "given up before its time");
        Assert.Null(row.SentAt);
        Assert.Null(row.Content);
        Assert.Contains("could not be reached", row.LastError);
    }

    [Fact]
    public async Task A_permanent_refusal_is_given_up_at_once()
    {
        var id = await QueueAsync(Message());
        var dispatcher = Dispatcher(new Refusing(permanent: true));

        await RunUntilAsync(dispatcher, async () => (await RowAsync(id)).FailedAt is not null);

        Assert.Equal(1, (await RowAsync(id)).Attempts);
    }

    [Theory]
    [InlineData("a..b@x.com")]
    [InlineData(".a@x.com")]
    [InlineData("a.@x.com")]
    public async Task Smtp_refuses_an_address_mimekit_cannot_parse_as_a_permanent_failure(string to)
    {
        await using var smtp = await SmtpTestServer.StartAsync();

        var refused = await Assert.ThrowsAsync<MailDeliveryException>(() => Smtp(smtp.Port).SendAsync(Message(to), CancellationToken.None));

        Assert.True(refused.Permanent);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task A_row_that_fails_unexpectedly_or_cannot_be_decrypted_is_given_up_and_the_others_are_sent()
    {
        var throwing = await QueueAsync(Message("throws@example.test"));
        var undecryptable = await QueueAsync(Message("lost-key@example.test"));
        await using (var command = DataSource.CreateCommand("UPDATE mail_outbox SET key_id = 'ffffffffffffffff' WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = undecryptable });
            await command.ExecuteNonQueryAsync();
        }
        var good = await QueueAsync(Message("fine@example.test"));
        var sent = new ConcurrentBag<string>();
        var dispatcher = Dispatcher(new Throwing("throws@example.test", new Recording(sent)));

        await RunUntilAsync(dispatcher, async () => (await RowAsync(good)).SentAt is not null);

        Assert.Contains("fine@example.test", sent);
        foreach (var id in new[] { throwing, undecryptable })
        {
            var row = await RowAsync(id);
            Assert.NotNull(row.FailedAt);
            Assert.Equal(1, row.Attempts);
            Assert.Null(row.Content);
        }
        Assert.Contains("InvalidOperationException", (await RowAsync(throwing)).LastError);
        Assert.Contains("CryptographicException", (await RowAsync(undecryptable)).LastError);
    }

    [Fact]
    public async Task A_row_claimed_again_a_lease_after_its_give_up_time_is_given_up_without_sending()
    {
        var id = await QueueAsync(Message("late@example.test"));
        await using (var command = DataSource.CreateCommand("UPDATE mail_outbox SET give_up_at = now() - interval '3 minutes', attempts = 4 WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await command.ExecuteNonQueryAsync();
        }
        var sent = new ConcurrentBag<string>();

        await RunUntilAsync(Dispatcher(new Recording(sent)), async () => (await RowAsync(id)).FailedAt is not null);

        Assert.DoesNotContain("late@example.test", sent);
        Assert.Contains("give-up time", (await RowAsync(id)).LastError);
    }

    [Fact]
    public async Task Two_workers_never_send_the_same_row()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 40; i++) ids.Add(await QueueAsync(Message($"user{i}@example.test")));
        var sent = new ConcurrentBag<string>();
        var a = Dispatcher(new Recording(sent));
        var b = Dispatcher(new Recording(sent));

        async Task WorkAsync(MailDispatcher worker)
        {
            for (var pass = 0; pass < 20; pass++) await worker.DispatchAsync(3, CancellationToken.None);
        }
        await Task.WhenAll(WorkAsync(a), WorkAsync(b));

        var ours = sent.Where(s => s.StartsWith("user", StringComparison.Ordinal)).ToList();
        Assert.Equal(40, ours.Count);
        Assert.Equal(40, ours.Distinct().Count());
        foreach (var id in ids) Assert.NotNull((await RowAsync(id)).SentAt);
    }

    /// <summary>A sender that takes a moment per message (so the workers overlap) and records each recipient.</summary>
    private sealed class Recording(ConcurrentBag<string> sent) : IMailSender
    {
        public async Task SendAsync(MailMessage message, CancellationToken cancellationToken)
        {
            await Task.Delay(5, cancellationToken);
            sent.Add(message.To);
        }
    }

    /// <summary>A sender with a bug for one recipient (it throws something other than <see cref="MailDeliveryException"/>).</summary>
    private sealed class Throwing(string recipient, IMailSender inner) : IMailSender
    {
        public Task SendAsync(MailMessage message, CancellationToken cancellationToken) => message.To == recipient
            ? throw new InvalidOperationException("a bug in the sender")
            : inner.SendAsync(message, cancellationToken);
    }

    private sealed class Refusing(bool permanent) : IMailSender
    {
        public Task SendAsync(MailMessage message, CancellationToken cancellationToken) =>
            throw new MailDeliveryException("550 mailbox unavailable", permanent);
    }
}
