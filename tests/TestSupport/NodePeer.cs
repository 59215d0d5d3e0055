using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace CleanScheduler.TestSupport;

/// <summary>
/// A test peer written in node (a script under frontend/e2e/ on an npm package): started with its stdin open, it prints
/// one JSON line when it listens, and exits by itself when its stdin closes, so a crashed test host leaves none behind.
/// A missing package fails the test (never skips it).
/// </summary>
public sealed class NodePeer : IAsyncDisposable
{
    private readonly Process _process;

    private NodePeer(Process process, JsonElement ready) => (_process, Ready) = (process, ready);

    /// <summary>The line the peer printed when it listened (its port, issuer...).</summary>
    public JsonElement Ready { get; }

    public static async Task<NodePeer> StartAsync(string script, string package, params string[] args)
    {
        Assert.True(Directory.Exists(RepoPaths.Of("frontend", "node_modules", package)),
            $"frontend/node_modules/{package} is missing: run 'npm ci' in frontend/ (scripts/test.sh does)");
        var info = new ProcessStartInfo("node", [RepoPaths.Of("frontend", "e2e", script), .. args])
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
            ?? throw new InvalidOperationException($"{script} exited with {process.ExitCode} before it listened");
        return new NodePeer(process, JsonDocument.Parse(line).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(5))) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
