using System.Net.Sockets;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// A listen address another process holds: one line at start-up naming the variable (SERVER_ADDR, or METRICS_ADDR for
/// the metrics listener), as a malformed setting gets, instead of the host's exception.
/// </summary>
public sealed class AddressInUseException(string variable, string address, Exception inner)
    : IOException($"{variable} {address} is in use by another process", inner)
{
    public string Variable { get; } = variable;

    /// <summary>The line to print when <paramref name="error"/> (or one of its causes) is a refused bind; else null.</summary>
    public static string? LineFor(Exception error, string serverAddress) =>
        Causes(error).OfType<AddressInUseException>().FirstOrDefault() is { } ours ? ours.Message
        : IsBindRefusal(error) ? $"SERVER_ADDR {serverAddress} is in use by another process"
        : null;

    /// <summary>Whether <paramref name="error"/> or one of its causes is a refused bind.</summary>
    public static bool IsBindRefusal(Exception error) => Causes(error).Any(e =>
        e is Microsoft.AspNetCore.Connections.AddressInUseException || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse });

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException) yield return e;
    }
}
