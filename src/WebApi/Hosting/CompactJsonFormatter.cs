using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;
using Serilog.Parsing;

namespace CleanScheduler.WebApi.Hosting;

/// <summary>
/// One JSON object per event: <c>@t</c> time, <c>@l</c> level, <c>@m</c> the rendered message (strings unquoted),
/// <c>@x</c> the exception, then the properties. (Serilog.Formatting.Compact does not restore here.)
/// </summary>
public sealed class CompactJsonFormatter : ITextFormatter
{
    private readonly JsonValueFormatter _values = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write("{\"@t\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        output.Write("\",\"@l\":\"");
        output.Write(logEvent.Level);
        output.Write("\",\"@m\":");
        JsonValueFormatter.WriteQuotedJsonString(Render(logEvent), output);
        if (logEvent.Exception is not null)
        {
            output.Write(",\"@x\":");
            JsonValueFormatter.WriteQuotedJsonString(logEvent.Exception.ToString(), output);
        }
        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name, output);
            output.Write(':');
            _values.Format(value, output);
        }
        output.Write('}');
        output.Write('\n');
    }

    private static string Render(LogEvent logEvent)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken property && logEvent.Properties.TryGetValue(property.PropertyName, out var value))
            {
                if (value is ScalarValue { Value: string text }) writer.Write(text);
                else value.Render(writer, property.Format, CultureInfo.InvariantCulture);
            }
            else
            {
                token.Render(logEvent.Properties, writer, CultureInfo.InvariantCulture);
            }
        }
        return writer.ToString();
    }
}
