using CleanScheduler.Application.Features.Tokens;
using CleanScheduler.Domain.Common;
using CleanScheduler.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace CleanScheduler.Infrastructure.IntegrationTests;

/// <summary>The PostgreSQL token store (migration 0013): lookup by the secret's hash, expiry, per-user lists, last use.</summary>
public sealed class ApiTokenStoreTests(ServicesFixture db) : IClassFixture<ServicesFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private IApiTokenStore Store => db.Services.Services.GetRequiredService<IApiTokenStore>();

    private async Task<(ApiToken Token, string Secret)> AddAsync(UserId? user = null, ClientId? client = null, DateTimeOffset? createdAt = null)
    {
        var owner = user ?? (await db.Services.UserAsync($"t-{Guid.NewGuid():N}@tokens.test")).Id;
        var secret = ApiTokenSecrets.New();
        var token = new ApiToken(Guid.CreateVersion7(), owner, client, "ci", ApiTokenScope.Read, null, secret[..ApiTokenSecrets.PrefixLength],
            createdAt ?? Now, Now.AddDays(30), null);
        await Store.AddAsync(token, ApiTokenSecrets.Hash(secret), CancellationToken.None);
        return (token, secret);
    }

    [Fact]
    public async Task A_token_is_found_by_the_hash_of_its_secret_until_it_expires()
    {
        var (token, secret) = await AddAsync();

        var found = await Store.FindAsync(ApiTokenSecrets.Hash(secret), Now.AddDays(30).AddTicks(-10), CancellationToken.None);

        Assert.Equal(token with { ExpiresAt = found!.Token.ExpiresAt }, found.Token);
        Assert.EndsWith("@tokens.test", found.Email);
        Assert.Null(await Store.FindAsync(ApiTokenSecrets.Hash(secret), Now.AddDays(30), CancellationToken.None));
        Assert.Null(await Store.FindAsync(secret, Now, CancellationToken.None));   // the raw secret is not a key
        Assert.Null(await Store.FindAsync(ApiTokenSecrets.Hash(ApiTokenSecrets.New()), Now, CancellationToken.None));
    }

    [Fact]
    public async Task The_last_use_is_recorded_at_most_once_a_minute()
    {
        var (token, secret) = await AddAsync();
        var hash = ApiTokenSecrets.Hash(secret);

        await Store.TouchAsync(token.Id, Now, CancellationToken.None);
        await Store.TouchAsync(token.Id, Now.AddSeconds(59), CancellationToken.None);
        var first = (await Store.FindAsync(hash, Now, CancellationToken.None))!.Token.LastUsedAt;
        await Store.TouchAsync(token.Id, Now.AddMinutes(1), CancellationToken.None);
        var second = (await Store.FindAsync(hash, Now, CancellationToken.None))!.Token.LastUsedAt;

        Assert.Equal(Now, first);
        Assert.Equal(Now.AddMinutes(1), second);
    }

    [Fact]
    public async Task Lists_and_deletes_only_the_users_tokens_on_the_client()
    {
        var (first, _) = await AddAsync(createdAt: Now);
        var (second, _) = await AddAsync(first.User, createdAt: Now.AddMinutes(1));
        var (strangers, _) = await AddAsync();

        Assert.Equal([second.Id, first.Id], (await Store.ListAsync(first.User, null, CancellationToken.None)).Select(t => t.Id));
        Assert.Empty(await Store.ListAsync(first.User, ClientId.New(), CancellationToken.None));
        Assert.False(await Store.DeleteAsync(strangers.Id, first.User, null, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(first.Id, first.User, ClientId.New(), CancellationToken.None));
        Assert.True(await Store.DeleteAsync(first.Id, first.User, null, CancellationToken.None));
        Assert.Equal([second.Id], (await Store.ListAsync(first.User, null, CancellationToken.None)).Select(t => t.Id));
        Assert.Equal(1, await Store.CountAsync(first.User, CancellationToken.None));
    }
}
