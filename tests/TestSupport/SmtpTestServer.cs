using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
    private readonly Process _process;

    private SmtpTestServer(Process process, int port, string directory) => (_process, Port, Directory) = (process, port, directory);

    public int Port { get; }
    public string Directory { get; }

    public static async Task<SmtpTestServer> StartAsync(int failFirst = 0)
    {
        Assert.True(System.IO.Directory.Exists(RepoPaths.Of("frontend", "node_modules", "smtp-server")),
            "frontend/node_modules/smtp-server is missing: run 'npm ci' in frontend/ (scripts/test.sh does)");
        var directory = Path.Combine(Path.GetTempPath(), $"smtp-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo("node", [RepoPaths.Of("frontend", "e2e", "smtp-server.mjs"), "--user", User, "--password", Password,
            "--dir", directory, "--fail-first", failFirst.ToString(CultureInfo.InvariantCulture)])
        {
            WorkingDirectory = RepoPaths.Of("frontend"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException($"the SMTP server exited with {process.ExitCode} before it listened");
        return new SmtpTestServer(process, JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32(), directory);
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
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5))) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }
}
