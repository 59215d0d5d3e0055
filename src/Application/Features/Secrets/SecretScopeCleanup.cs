using CleanScheduler.Application.Common;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Secrets;

/// <summary>
/// Removes the values of a deleted deployment or organization from the secrets backend, after the deletion committed
/// (their keys went with it). The backend unreachable then leaves the values behind, which is logged (paths only): the
/// deletion itself stands, and nothing reads those paths any more.
/// </summary>
public sealed class SecretScopeCleanup(ISecretValueStore store, ILogger<SecretScopeCleanup> logger)
{
    public async Task RemoveAsync(IEnumerable<SecretScope> scopes, CancellationToken cancellationToken)
    {
        foreach (var scope in scopes)
        {
            try { await store.DeleteScopeAsync(scope, cancellationToken); }
            catch (SecretBackendUnavailableException e)
            {
                logger.LogWarning("The secrets backend is unavailable ({Error}); the values at {Path} of a deleted {Tier} stay there", e.Message, scope.Path, scope.Tier);
            }
        }
    }
}
