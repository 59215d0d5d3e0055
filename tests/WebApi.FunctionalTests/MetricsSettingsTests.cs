using CleanScheduler.WebApi.Configuration;
using Microsoft.Extensions.Configuration;

namespace CleanScheduler.WebApi.FunctionalTests;

public sealed class MetricsSettingsTests
{
    private static (ServerSettings? Settings, IReadOnlyList<string> Errors) Load(string? metricsAddr)
    {
        var values = new Dictionary<string, string?>
        {
            ["DATABASE_DSN"] = "postgres://user:pw@db:5432/scheduler?sslmode=disable",
            ["DEV_MODE"] = "true",
            ["SERVER_ADDR"] = "localhost:8081",
        };
        if (metricsAddr is not null) values["METRICS_ADDR"] = metricsAddr;
        return ServerSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    [Fact]
    public void Metrics_listen_on_every_interface_at_9090_by_default() =>
        Assert.Equal(new ListenAddress(null, 9090), Load(null).Settings!.MetricsAddr);

    [Fact]
    public void An_empty_METRICS_ADDR_turns_the_listener_off() => Assert.Null(Load("").Settings!.MetricsAddr);

    [Fact]
    public void A_host_and_port_are_taken_as_given() => Assert.Equal(new ListenAddress("127.0.0.1", 9100), Load("127.0.0.1:9100").Settings!.MetricsAddr);

    [Theory, InlineData("9090"), InlineData("metrics:9090"), InlineData(":99999")]
    public void A_malformed_address_stops_the_server_with_one_line_naming_METRICS_ADDR(string address)
    {
        var (settings, errors) = Load(address);

        Assert.Null(settings);
        Assert.StartsWith("METRICS_ADDR must be [host]:port", Assert.Single(errors));
    }

    [Fact]
    public void The_metrics_port_must_differ_from_the_API_port()
    {
        var (settings, errors) = Load("127.0.0.1:8081");

        Assert.Null(settings);
        Assert.StartsWith("METRICS_ADDR must use another port than SERVER_ADDR", Assert.Single(errors));
    }
}
