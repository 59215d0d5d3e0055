using System.Net;
using CleanScheduler.Infrastructure.Sessions;

namespace CleanScheduler.Infrastructure.IntegrationTests;

public sealed class RedisAddressTests
{
    [Theory]
    [InlineData("localhost:6379", "localhost", 6379, null, null, 0, false)]
    [InlineData("prod-redis.abc123.cache.amazonaws.com:6380", "prod-redis.abc123.cache.amazonaws.com", 6380, null, null, 0, false)]
    [InlineData("10.0.0.5:6379", "10.0.0.5", 6379, null, null, 0, false)]
    [InlineData("[::1]:6379", "::1", 6379, null, null, 0, false)]
    [InlineData("redis://cache.internal", "cache.internal", 6379, null, null, 0, false)]
    [InlineData("redis://:s3cret@cache.internal:7000/2", "cache.internal", 7000, null, "s3cret", 2, false)]
    [InlineData("redis://app:p%40ss%3Aword@cache.internal:6379/0", "cache.internal", 6379, "app", "p@ss:word", 0, false)]
    [InlineData("rediss://default:pw@secure.example.com:6380/1", "secure.example.com", 6380, "default", "pw", 1, true)]
    public void Reads_host_port_and_redis_urls(string text, string host, int port, string? user, string? password, int database, bool tls)
    {
        Assert.True(RedisAddress.TryParse(text, out var options, out var error), error);

        var endpoint = Assert.Single(options.EndPoints);
        var (actualHost, actualPort) = endpoint switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => throw new InvalidOperationException(endpoint.GetType().Name),
        };
        Assert.Equal((host, port, user, password, database, tls), (actualHost, actualPort, options.User, options.Password, options.DefaultDatabase ?? 0, options.Ssl));
        Assert.False(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("http://cache:6379")]
    [InlineData("redis://")]
    [InlineData("redis://cache:6379/db2")]
    [InlineData("redis://cache:6379/-1")]
    [InlineData("redis://cache:0")]
    [InlineData("redis://cache:99999")]
    [InlineData("redis://cache:6379?password=x")]
    [InlineData("user:pw@cache:6379")]
    public void Refuses_anything_else(string text) => Assert.False(RedisAddress.TryParse(text, out _, out _));

    [Fact]
    public void An_error_never_repeats_the_password()
    {
        Assert.False(RedisAddress.TryParse("redis://app:hunter2-secret@cache:6379/zero", out _, out var error));

        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }
}
