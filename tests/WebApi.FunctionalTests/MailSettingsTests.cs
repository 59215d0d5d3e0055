using CleanScheduler.WebApi.Configuration;
using Microsoft.Extensions.Configuration;

namespace CleanScheduler.WebApi.FunctionalTests;

/// <summary>EMAIL_PROVIDER and its variables: each one checked at start-up for the chosen provider, one line naming it.</summary>
public sealed class MailSettingsTests
{
    private static (ServerSettings? Settings, IReadOnlyList<string> Errors) Load(params (string Key, string? Value)[] changes)
    {
        var values = new Dictionary<string, string?>
        {
            ["DATABASE_DSN"] = "postgres://user:pw@db:5432/scheduler",
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = "localhost:8081",
        };
        foreach (var (key, value) in changes) values[key] = value;
        return ServerSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    private static string OnlyError(params (string Key, string? Value)[] changes)
    {
        var (settings, errors) = Load(changes);
        Assert.Null(settings);
        return Assert.Single(errors);
    }

    [Fact]
    public void Without_settings_mail_is_logged_and_given_up_after_a_day()
    {
        var settings = Load().Settings!;

        Assert.Equal(("log", TimeSpan.FromHours(24), 587), (settings.EmailProvider, settings.EmailGiveUpAfter, settings.SmtpPort));
    }

    [Fact]
    public void Smtp_reads_its_server_login_and_sender()
    {
        var settings = Load(("EMAIL_PROVIDER", "SMTP"), ("EMAIL_FROM", "Acme <noreply@acme.example>"), ("SMTP_HOST", "mail.acme.example"),
            ("SMTP_PORT", "465"), ("SMTP_USERNAME", "u"), ("SMTP_PASSWORD", "p")).Settings!;

        Assert.Equal(("smtp", "noreply@acme.example", "Acme", "mail.acme.example", 465),
            (settings.EmailProvider, settings.EmailFrom!.Address, settings.EmailFrom.Name, settings.SmtpHost, settings.SmtpPort));
    }

    [Theory]
    [InlineData("smtp", "EMAIL_FROM is required")]
    [InlineData("sendgrid", "EMAIL_FROM is required")]
    public void A_provider_that_delivers_needs_a_sender(string provider, string expected) =>
        Assert.Contains(expected, string.Join("\n", Load(("EMAIL_PROVIDER", provider), ("SMTP_HOST", "mail.example"), ("SENDGRID_API_KEY", "SG.k")).Errors));

    [Theory]
    [InlineData("SMTP_HOST", null, "SMTP_HOST is required")]
    [InlineData("SMTP_HOST", "mail.example:25", "SMTP_HOST must be a host name")]
    [InlineData("SMTP_PORT", "70000", "SMTP_PORT must be a TCP port")]
    [InlineData("SMTP_USERNAME", null, "SMTP_USERNAME is required when SMTP_PASSWORD is set")]
    [InlineData("EMAIL_FROM", "not an address", "EMAIL_FROM must be an e-mail address")]
    public void Smtp_values_are_checked(string variable, string? value, string expected)
    {
        var error = OnlyError(("EMAIL_PROVIDER", "smtp"), ("EMAIL_FROM", "noreply@acme.example"), ("SMTP_HOST", "mail.example"),
            ("SMTP_USERNAME", "u"), ("SMTP_PASSWORD", "hunter2"), (variable, value));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SENDGRID_API_KEY", null, "SENDGRID_API_KEY is required")]
    [InlineData("SENDGRID_API_KEY", "sk_live_secret", "SENDGRID_API_KEY must be a SendGrid API key")]
    [InlineData("SENDGRID_API_HOST", "not a url", "SENDGRID_API_HOST must be an absolute http(s) URL")]
    [InlineData("EMAIL_GIVE_UP_AFTER", "forever", "EMAIL_GIVE_UP_AFTER must be a positive duration")]
    public void SendGrid_values_are_checked(string variable, string? value, string expected)
    {
        var error = OnlyError(("EMAIL_PROVIDER", "sendgrid"), ("EMAIL_FROM", "noreply@acme.example"), ("SENDGRID_API_KEY", "SG.key"), (variable, value));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_live_secret", error, StringComparison.Ordinal);
    }
}
