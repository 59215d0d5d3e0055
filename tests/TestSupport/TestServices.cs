using Microsoft.Extensions.DependencyInjection.Extensions;
using CleanScheduler.Application;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Users;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Users;
using CleanScheduler.Infrastructure;
using CleanScheduler.Infrastructure.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.TestSupport;

/// <summary>The acting user of a test scope; set before sending a request.</summary>
public sealed class TestCurrentUser : ICurrentUser
{
    public UserId Id { get; set; }
    public string Email { get; set; } = "";
    public bool IsPlatformAdmin { get; set; }
    public OrganizationId? OrganizationLimit { get; set; }
}

/// <summary>The white-label client of a test scope: none (the platform's own hosts) unless set.</summary>
public sealed class TestCurrentClient : ICurrentClient
{
    public ClientId? Id { get; set; }
}

/// <summary>The real Application + Infrastructure container against one test database, with users to act as.</summary>
public sealed class TestServices : IAsyncDisposable
{
    /// <summary>The secrets key every test host uses (32 bytes, base64 "AAEC...").</summary>
    public static readonly byte[] SecretsKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    private readonly ServiceProvider _provider;

    public TestServices(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddApplication();
        services.AddInfrastructure(connectionString, new SessionStorage(SessionBackend.Postgres, TimeSpan.FromHours(2)), SecretsKey);
        services.AddDeploymentManifests(new CleanScheduler.Kubernetes.RenderOptions());
        services.AddScoped<TestCurrentUser>();
        services.AddScoped<TestCurrentClient>();
        services.AddScoped<ICurrentClient>(sp => sp.GetRequiredService<TestCurrentClient>());
        services.AddSingleton(new Application.Features.Deployments.DeploymentOptions("apps.test"));
        services.AddSingleton(new Application.Features.Me.MeCapabilities(TemplateDrafts: false));
        services.AddScoped<ICurrentUser>(sp => sp.GetRequiredService<TestCurrentUser>());
        services.AddSingleton<ISecretValueStore, Infrastructure.Secrets.DatabaseSecretValueStore>();   // SECRETS_BACKEND=database, as the server's default
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public IServiceProvider Services => _provider;

    public AppDbContext NewContext() =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_provider.GetRequiredService<Npgsql.NpgsqlDataSource>()).Options);

    /// <summary>Registers (or finds) the user with this e-mail.</summary>
    public async Task<UserRef> UserAsync(string email)
    {
        await using var scope = _provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserProvisioner>().EnsureAsync(EmailAddress.From(email), CancellationToken.None);
    }

    /// <summary>Sends a request through the whole MediatR pipeline as <paramref name="user"/>, in a scope of its own.</summary>
    public async Task<T> SendAsync<T>(UserRef user, IRequest<T> request, bool platformAdmin = false)
    {
        await using var scope = _provider.CreateAsyncScope();
        var current = scope.ServiceProvider.GetRequiredService<TestCurrentUser>();
        (current.Id, current.Email, current.IsPlatformAdmin) = (user.Id, user.Email, platformAdmin);
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request, CancellationToken.None);
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}

/// <summary>A cloned database plus the service container over it, for one test class.</summary>
public sealed class ServicesFixture : DatabaseFixture
{
    private TestServices? _services;

    public TestServices Services => _services ?? throw new InvalidOperationException("Not initialized.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _services = new TestServices(ConnectionString);
    }

    public override async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        await base.DisposeAsync();
    }
}
