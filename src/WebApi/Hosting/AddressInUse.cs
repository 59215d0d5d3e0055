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
    public static string? LineFor(Exception error, string serverAddress)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is AddressInUseException ours) return ours.Message;
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return $"SERVER_ADDR {serverAddress} is in use by another process";
        }
        return null;
    }

    /// <summary>Whether <paramref name="error"/> or one of its causes is a refused bind.</summary>
    public static bool IsBindRefusal(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is Microsoft.AspNetCore.Connections.AddressInUseException || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return true;
        return false;
    }
}
