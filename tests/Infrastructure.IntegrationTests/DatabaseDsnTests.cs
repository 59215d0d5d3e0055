using CleanScheduler.Infrastructure.Persistence;
using Npgsql;

namespace CleanScheduler.Infrastructure.IntegrationTests;

public sealed class DatabaseDsnTests
{
    [Fact]
    public void The_seeds_url_form_becomes_an_npgsql_connection_string()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseDsn.ToConnectionString("postgres://user:password@localhost:5432/scheduler?sslmode=disable"));

        Assert.Equal(("localhost", 5432, "user", "password", "scheduler", SslMode.Disable),
            (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database, builder.SslMode));
    }

    [Fact]
    public void Escaped_characters_in_the_password_and_other_parameters_are_understood()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseDsn.ToConnectionString(
            "postgresql://app%40corp:p%40ss%3Aw%2Frd@db.internal:6543/my%20db?sslmode=require&connect_timeout=7&application_name=cs"));

        Assert.Equal(("db.internal", 6543, "app@corp", "p@ss:w/rd", "my db"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
        Assert.Equal((SslMode.Require, 7, "cs"), (builder.SslMode, builder.Timeout, builder.ApplicationName));
    }

    [Fact]
    public void The_port_defaults_to_5432_and_ipv6_hosts_lose_their_brackets()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseDsn.ToConnectionString("postgres://u@[::1]/db"));

        Assert.Equal(("::1", 5432), (builder.Host, builder.Port));
    }

    [Fact]
    public void Plain_npgsql_connection_strings_pass_through()
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseDsn.ToConnectionString("Host=127.0.0.1;Port=5433;Username=postgres;Database=x"));

        Assert.Equal(("127.0.0.1", 5433, "x"), (builder.Host, builder.Port, builder.Database));
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("postgres://u@host/db?sslmode=maybe", "sslmode")]
    [InlineData("postgres://u@host/db?frobnicate=1", "frobnicate")]
    [InlineData("postgres://u@host/db?connect_timeout=soon", "connect_timeout")]
    [InlineData("Hots=localhost;Username=x", "malformed")]
    [InlineData("Username=x;Database=y", "no host")]
    [InlineData("postgres://", "no host")]
    public void Bad_dsns_are_explained(string? dsn, string expected)
    {
        Assert.False(DatabaseDsn.TryParse(dsn, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Statements_are_auto_prepared_and_connections_not_reset_unless_the_connection_string_says_otherwise()
    {
        var prepared = new NpgsqlConnectionStringBuilder(DependencyInjection.WithConnectionDefaults("Host=db;Username=app"));
        var behindPgBouncer = new NpgsqlConnectionStringBuilder(DependencyInjection.WithConnectionDefaults("Host=db;Max Auto Prepare=0"));
        var ownSettings = new NpgsqlConnectionStringBuilder(DependencyInjection.WithConnectionDefaults("Host=db;maxautoprepare=10;Auto Prepare Min Usages=5"));

        Assert.Equal((64, 2), (prepared.MaxAutoPrepare, prepared.AutoPrepareMinUsages));
        Assert.Equal(0, behindPgBouncer.MaxAutoPrepare);
        Assert.Equal((10, 5), (ownSettings.MaxAutoPrepare, ownSettings.AutoPrepareMinUsages));
        Assert.True(prepared.NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(DependencyInjection.WithConnectionDefaults("Host=db;No Reset On Close=false")).NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(DependencyInjection.WithConnectionDefaults("Host=db;noresetonclose=false")).NoResetOnClose);
    }
}
