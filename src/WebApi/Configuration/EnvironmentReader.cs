using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace CleanScheduler.WebApi.Configuration;

/// <summary>
/// Reads settings by their environment variable names (the seeds' names) and collects one error line per bad
/// variable instead of throwing, so start-up can report every problem at once and exit.
/// </summary>
public sealed partial class EnvironmentReader(IConfiguration configuration)
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public void Error(string variable, string problem) => _errors.Add($"{variable} {problem}");

    public string? Optional(string name)
    {
        var value = configuration[name];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    public string String(string name, string fallback) => Optional(name) ?? fallback;

    /// <summary>The value; <paramref name="fallback"/> when unset; null when set empty (the setting turned off).</summary>
    public string? StringOrOff(string name, string fallback) => configuration[name] is null ? fallback : Optional(name);

    public string? Required(string name, string meaning)
    {
        var value = Optional(name);
        if (value is null) Error(name, $"is required: {meaning}");
        return value;
    }

    public bool Bool(string name, bool fallback)
    {
        var value = Optional(name);
        if (value is null) return fallback;
        switch (value.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on": return true;
            case "false" or "0" or "no" or "off": return false;
            default:
                Error(name, $"must be true or false, not '{value}'");
                return fallback;
        }
    }

    public T Choice<T>(string name, T fallback, params (string Code, T Value)[] choices)
    {
        var value = Optional(name);
        if (value is null) return fallback;
        foreach (var (code, choice) in choices)
            if (string.Equals(code, value, StringComparison.OrdinalIgnoreCase)) return choice;
        Error(name, $"must be one of {string.Join(", ", choices.Select(c => c.Code))}, not '{value}'");
        return fallback;
    }

    public TimeSpan Duration(string name, TimeSpan fallback)
    {
        var value = Optional(name);
        if (value is null) return fallback;
        if (TryParseDuration(value, out var duration) && duration > TimeSpan.Zero) return duration;
        Error(name, $"must be a positive duration such as 30s, 15m, 24h or 1h30m, not '{value}'");
        return fallback;
    }

    public int Port(string name, int fallback)
    {
        var value = Optional(name);
        if (value is null) return fallback;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535) return port;
        Error(name, $"must be a TCP port between 1 and 65535, not '{value}'");
        return fallback;
    }

    public Uri? AbsoluteUrl(string name, string fallback)
    {
        var value = String(name, fallback);
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return uri;
        Error(name, $"must be an absolute http(s) URL such as https://app.example.com, not '{value}'");
        return null;
    }

    /// <summary>Go-style durations: a sequence of decimal numbers with units ns, us, µs, ms, s, m, h ("1h30m", "1.5h", "300ms").</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text) return false;
        double ticks = 0;
        foreach (Match match in matches)
        {
            var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += number * match.Groups[2].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }
        if (ticks > TimeSpan.MaxValue.Ticks) return false;
        duration = TimeSpan.FromTicks((long)ticks);
        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();
}
