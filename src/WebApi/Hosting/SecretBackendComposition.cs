using System.Runtime.CompilerServices;
using CleanScheduler.Application.Common;
using CleanScheduler.Infrastructure.Secrets;
using CleanScheduler.WebApi.Configuration;

namespace CleanScheduler.WebApi.Hosting;

public static class SecretBackendComposition
{
    /// <summary>
    /// SECRETS_BACKEND: where secret values live (<see cref="ISecretValueStore"/>): encrypted in PostgreSQL, in Vault KV v2
    /// or in AWS Secrets Manager; and the re-encryption that moves stored values to the current SECRETS_ENCRYPTION_KEY.
    /// </summary>
    public static IServiceCollection AddSecretValueStore(this IServiceCollection services, ServerSettings settings)
    {
        switch (settings.SecretsBackend)
        {
            case "vault":
                services.AddSingleton<ISecretValueStore>(new VaultKv2SecretValueStore(settings.Vault
                    ?? throw new ArgumentException("SECRETS_BACKEND=vault needs the Vault settings.", nameof(settings))));
                break;
            case "aws":
                AddAwsSecretsManager(services, settings.AwsSecretsManager ?? throw new ArgumentException("SECRETS_BACKEND=aws needs the AWS settings.", nameof(settings)));
                break;
            default:
                services.AddSingleton<ISecretValueStore, DatabaseSecretValueStore>();
                break;
        }
        services.AddSingleton<SecretsReencryption>();
        return services;
    }

    /// <summary>Apart from <see cref="AddSecretValueStore"/>: compiling a method loads the assemblies it names, and the AWS SDK stays unloaded with another backend.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddAwsSecretsManager(IServiceCollection services, AwsSecretsManagerSettings aws) =>
        services.AddSingleton<ISecretValueStore>(new AwsSecretsManagerValueStore(aws));

    /// <summary>
    /// <c>secrets reencrypt</c>: brings the schema up to date, re-encrypts every stored value under SECRETS_ENCRYPTION_KEY
    /// and says so in one line (counts and key id, never a value); exit code 1 with one line on failure.
    /// </summary>
    public static async Task<int> ReencryptSecretsAsync(this WebApplication app, ServerSettings settings)
    {
        if (settings.SecretsEncryptionKey is null)
        {
            Console.Error.WriteLine("secrets reencrypt: SECRETS_ENCRYPTION_KEY is not set; set the new key there and the old one in SECRETS_ENCRYPTION_KEY_PREVIOUS");
            return 1;
        }
        if (!await app.MigrateDatabaseAsync()) return 1;
        try
        {
            var outcome = await app.Services.GetRequiredService<SecretsReencryption>().RunAsync(app.Lifetime.ApplicationStopping);
            Console.WriteLine($"secrets reencrypt: {outcome.SecretValues} secret value(s), {outcome.DeploymentSecretValues} deployment secret setting(s) " +
                $"and {outcome.QueuedMails} queued mail(s) re-encrypted; every stored value is now under key {outcome.KeyId}, so SECRETS_ENCRYPTION_KEY_PREVIOUS can be removed");
            return 0;
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            Console.Error.WriteLine($"secrets reencrypt: {e.Message}");
            return 1;
        }
    }
}
