using System.Globalization;
using MimeKit;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>
/// A real SMTP server: npm smtp-server through frontend/e2e/smtp-server.mjs, on a free loopback port, with AUTH required.
/// It writes every accepted message to a directory, which <see cref="Messages"/> reads. With <c>failFirst</c> it answers
/// 451 to the first transactions. Missing node or the package fails the test (never skips it).
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    public const string User = "mailer";
    public const string Password = "smtp-test-password";
    private readonly NodePeer _peer;

    private SmtpTestServer(NodePeer peer, string directory) => (_peer, Port, Directory) = (peer, peer.Ready.GetProperty("port").GetInt32(), directory);

    public int Port { get; }
    public string Directory { get; }

    public static async Task<SmtpTestServer> StartAsync(int failFirst = 0)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"smtp-{Guid.NewGuid():N}");
        return new SmtpTestServer(await NodePeer.StartAsync("smtp-server.mjs", "smtp-server", "--user", User, "--password", Password,
            "--dir", directory, "--fail-first", failFirst.ToString(CultureInfo.InvariantCulture)), directory);
    }

    /// <summary>The messages received so far, in arrival order.</summary>
    public IReadOnlyList<MimeMessage> Messages() =>
        !System.IO.Directory.Exists(Directory) ? [] :
        System.IO.Directory.GetFiles(Directory, "*.eml")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture))
            .Select(f => MimeMessage.Load(f)).ToList();

    /// <summary>Waits until at least <paramref name="count"/> messages arrived; returns them all.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var messages = Messages();
            if (messages.Count >= count) return messages;
            Assert.True(DateTime.UtcNow < until, $"expected {count} message(s) at the SMTP server, got {messages.Count}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _peer.DisposeAsync();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
