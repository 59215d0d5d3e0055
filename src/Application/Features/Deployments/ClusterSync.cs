using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using CleanScheduler.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Features.Deployments;

/// <summary>What the cluster must be told about one deployment: make its UserDeployment match the database, or delete it.</summary>
public enum ClusterOperation
{
    Apply,
    Delete,
}

/// <summary>A claimed outbox row (see <see cref="IClusterOutbox"/>).</summary>
public sealed record ClusterOutboxItem(long Seq, Guid DeploymentId, ClusterOperation Operation, string Namespace, string Name, int Attempts);

/// <summary>
/// The cluster outbox: rows are written with the change they describe (in the same transaction) and removed once the
/// cluster has it. A claim leases rows, so that two servers never work on the same row at once and a row whose server
/// died is claimed again when the lease runs out.
/// </summary>
public interface IClusterOutbox
{
    Task<IReadOnlyList<ClusterOutboxItem>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken);
    Task CompleteAsync(IReadOnlyCollection<long> seqs, CancellationToken cancellationToken);
    Task RetryLaterAsync(IReadOnlyCollection<long> seqs, TimeSpan delay, string error, CancellationToken cancellationToken);

    /// <summary>
    /// Stops retrying rows the API server refused for good: they are never claimed again, still count as pending (so no
    /// full resync brings the refused change back), and go when a newer row of their deployment completes.
    /// </summary>
    Task ParkAsync(IReadOnlyCollection<long> seqs, string error, CancellationToken cancellationToken);

    /// <summary>Whether a later change of the deployment than row <paramref name="seq"/> waits in the outbox.</summary>
    Task<bool> HasNewerAsync(Guid deployment, long seq, CancellationToken cancellationToken);

    /// <summary>Adds an apply row for a deployment the cluster lacks (found by a full comparison, not by a change).</summary>
    Task EnqueueApplyAsync(Guid deployment, string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Whether a change of this deployment waits in the outbox (the full comparison then adds no row of its own).</summary>
    Task<bool> HasPendingAsync(Guid deployment, CancellationToken cancellationToken);
}

/// <summary>Wakes the cluster sync as soon as a transaction wrote outbox rows, instead of at its next interval.</summary>
public sealed class ClusterSyncSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        try { _pending.Release(); }
        catch (SemaphoreFullException) { }   // already signalled: one wake-up serves every change so far
    }

    /// <summary>True when signalled, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Brings the cluster in line with the database (DESIGN.md §6): for each pending outbox row, ensure the organization's
/// namespace, publish the template version as a ConfigMap, write the secret values into a Secret and server-side apply
/// the UserDeployment, or delete it. Copies the status the operator reports back onto the deployment. Rows the cluster
/// could not take stay in the outbox: nothing the API acknowledged is lost. The API server unreachable: the pass ends
/// and every row waits. Any other failure concerns one deployment only, and the pass goes on with the others: a
/// request the cluster refuses as wrong (<see cref="ClusterRefusedException.Rejected"/>) is parked until the
/// deployment changes, anything else (another refusal, a secret that no longer decrypts) is retried with back-off; the
/// deployment shows phase Failed with the cause (except for a missing namespace or a conflict, which heal on the retry),
/// and each failure is logged and counted in <see cref="ClusterSyncMetrics"/>.
/// </summary>
public sealed class DeploymentClusterSync(
    IAppDbContext db, IClusterOutbox outbox, IDeploymentPublisher publisher, ISecretCipher cipher, ISecretValueStore secretValues,
    Templates.TemplateSpecCache specs, DeploymentOptions options, ILogger<DeploymentClusterSync> logger, ClusterSyncMetrics metrics)
{
    public const int BatchSize = 100;
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Works through the outbox until it is empty or the cluster stops answering; returns the rows done.</summary>
    public async Task<int> PublishPendingAsync(TimeSpan maxRetryDelay, CancellationToken cancellationToken)
    {
        var done = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var claimed = await outbox.ClaimAsync(BatchSize, Lease, cancellationToken);
            if (claimed.Count == 0) return done;
            var (completed, unreachable) = await PublishAsync(claimed, maxRetryDelay, cancellationToken);
            done += completed;
            if (unreachable) return done;
        }
        return done;
    }

    private async Task<(int Completed, bool Unreachable)> PublishAsync(IReadOnlyList<ClusterOutboxItem> claimed, TimeSpan maxRetryDelay, CancellationToken cancellationToken)
    {
        var completed = 0;
        var groups = claimed.GroupBy(i => i.DeploymentId).ToList();
        for (var index = 0; index < groups.Count; index++)
        {
            var rows = groups[index].ToList();
            var seqs = rows.Select(r => r.Seq).ToList();
            var (id, operation) = (rows[0].DeploymentId, rows[0].Operation);
            var backoff = Backoff(rows.Max(r => r.Attempts), maxRetryDelay * 10);
            try
            {
                DeploymentReport? applied = null;
                if (rows.FirstOrDefault(r => r.Operation == ClusterOperation.Delete) is { } delete)
                    await DeleteAsync(delete.Namespace, delete.Name, cancellationToken);
                else
                    applied = await ApplyAsync(id, cancellationToken);
                await outbox.CompleteAsync(seqs, cancellationToken);
                completed += rows.Count;
                // A retry that worked: the failure an earlier attempt showed gives way to what the operator reports.
                if (rows.Any(r => r.Attempts > 1)) await ClearFailedAsync(id, applied, cancellationToken);
            }
            catch (ClusterUnavailableException e)
            {
                // The cluster is down: leave this and every later row for the next round.
                var rest = groups.Skip(index).SelectMany(g => g).ToList();
                await outbox.RetryLaterAsync(rest.Select(r => r.Seq).ToList(), Backoff(rest.Max(r => r.Attempts), maxRetryDelay), e.Message, cancellationToken);
                metrics.Error(ClusterSyncErrorKind.Unavailable);
                logger.LogWarning("Kubernetes API unavailable ({Error}); {Count} deployment change(s) wait in the outbox", e.Message, rest.Count);
                return (completed, true);
            }
            catch (ClusterRefusedException e) when (e.Rejected)
            {
                // Sending the same request again cannot succeed: wait for the deployment to change.
                await outbox.ParkAsync(seqs, e.Message, cancellationToken);
                await ShowFailedAsync(id, seqs.Max(), $"the Kubernetes API server refused it: {e.ClusterMessage}", cancellationToken);
                metrics.Error(ClusterSyncErrorKind.Rejected);
                logger.LogError("The Kubernetes API refused deployment {Deployment} ({Operation}) as invalid: {Error}; not retried until the deployment changes",
                    id, operation, e.Message);
            }
            catch (ClusterRefusedException e)
            {
                await outbox.RetryLaterAsync(seqs, backoff, e.Message, cancellationToken);
                if (!e.HealsOnRetry)   // a namespace made again, a conflict: they heal on the retry
                    await ShowFailedAsync(id, seqs.Max(), $"the Kubernetes API server answered {e.Message} (retrying)", cancellationToken);
                metrics.Error(ClusterSyncErrorKind.Refused);
                logger.LogWarning("The Kubernetes API refused deployment {Deployment} ({Operation}): {Error}; retrying in {Delay}",
                    id, operation, e.Message, backoff);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !IsDatabaseError(e))
            {
                // One deployment's problem (a secret that no longer decrypts, data missing): the other rows go on.
                // The deployment's owner reads the cause: an unforeseen exception's text stays in the log and the outbox row.
                var (kind, cause, shown) = e switch
                {
                    SecretUnreadableException => (ClusterSyncErrorKind.SecretUnreadable, e.Message, e.Message),
                    SecretBackendUnavailableException => (ClusterSyncErrorKind.SecretUnreadable, e.Message, "the secrets backend is unavailable"),
                    NamespaceOfAnotherOrganizationException => (ClusterSyncErrorKind.Refused, e.Message, e.Message),
                    _ => (ClusterSyncErrorKind.Internal, $"{e.GetType().Name}: {e.Message}", "the server could not publish it because of an internal error (its log has the details)"),
                };
                await outbox.RetryLaterAsync(seqs, backoff, cause, cancellationToken);
                await ShowFailedAsync(id, seqs.Max(), $"{shown} (retrying)", cancellationToken);
                metrics.Error(kind);
                logger.LogError(e, "Publishing deployment {Deployment} ({Operation}) failed: {Cause}; retrying in {Delay}", id, operation, cause, backoff);
            }
        }
        return (completed, false);
    }

    /// <summary>The database itself failing is not one row's problem: it ends the pass (the rows' leases run out, they come back).</summary>
    private static bool IsDatabaseError(Exception e) => e is System.Data.Common.DbException || e.InnerException is System.Data.Common.DbException;

    /// <summary>How the message of a Failed phase the sync set begins (the operator's own messages never do).</summary>
    public const string NotPublished = "Not published to the cluster: ";

    /// <summary>
    /// Phase Failed with the cause; the operator's next report on the current spec replaces it. Not when the deployment
    /// has changed since (a newer row waits): the failure concerns a wish it no longer has, and the change set its phase.
    /// </summary>
    private async Task ShowFailedAsync(Guid id, long seq, string cause, CancellationToken cancellationToken)
    {
        if (await outbox.HasNewerAsync(id, seq, cancellationToken)) return;
        var deploymentId = new DeploymentId(id);
        var text = Bounded(NotPublished + cause);
        await db.Deployments.Where(d => d.Id == deploymentId && (d.Phase != DeploymentPhase.Failed || d.PhaseMessage != text))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Phase, DeploymentPhase.Failed).SetProperty(d => d.PhaseMessage, text), cancellationToken);
    }

    /// <summary>Published after all: a Failed phase the sync showed is what a change sets (Pending, or Stopped), or what the UserDeployment reports.</summary>
    private async Task ClearFailedAsync(Guid id, DeploymentReport? applied, CancellationToken cancellationToken)
    {
        var deploymentId = new DeploymentId(id);
        await db.Deployments.Where(d => d.Id == deploymentId && d.Phase == DeploymentPhase.Failed && d.PhaseMessage!.StartsWith(NotPublished))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Phase, d => d.State == DesiredState.Stopped ? DeploymentPhase.Stopped : DeploymentPhase.Pending)
                .SetProperty(d => d.PhaseMessage, (string?)null), cancellationToken);
        if (applied is not null) await ObserveAsync(applied, cancellationToken);
    }

    /// <summary>1 s, 2 s, 4 s... after each failed attempt, at most <paramref name="max"/>.</summary>
    public static TimeSpan Backoff(int attempts, TimeSpan max) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Clamp(attempts - 1, 0, 20)), Math.Max(max.TotalSeconds, 0.05)));

    /// <summary>
    /// Publishes the deployment as stored now and returns the cluster's report on it; a deployment since deleted needs
    /// nothing (null).
    /// </summary>
    public async Task<DeploymentReport?> ApplyAsync(Guid id, CancellationToken cancellationToken)
    {
        var deploymentId = new DeploymentId(id);
        var deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deploymentId, cancellationToken);
        if (deployment is null) return null;
        var version = await db.Templates.AsNoTracking().Where(t => t.Id == deployment.TemplateId)
            .SelectMany(t => t.Versions.Where(v => v.Number == deployment.TemplateVersion), (_, v) => v.Spec)
            .SingleAsync(cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == deployment.OrganizationId, cancellationToken);
        var spec = specs.Get(deployment.TemplateId, deployment.TemplateVersion, version);
        var secrets = await Secrets.DeploymentSecrets.ForClusterAsync(db, secretValues, cipher, spec, deployment, publisher.PublishesSecretValues, cancellationToken);
        return await publisher.PublishAsync(new DesiredDeployment(deployment, options.NamespaceFor(deployment.TeamId), version, subscription.Tier,
            subscription.Limits, secrets), cancellationToken);
    }

    /// <summary>Removes the deployment's resources from the cluster; what is gone already is done.</summary>
    public Task DeleteAsync(string ns, string name, CancellationToken cancellationToken) => publisher.RemoveAsync(ns, name, cancellationToken);

    /// <summary>
    /// Copies a deployment's reported phase, conditions and replicas onto it when the report describes the current wish:
    /// the operator has seen the resource's spec as it is (observedGeneration = generation, not a status left from an
    /// earlier spec, say of a deployment of the same name deleted and made again), and that spec is of the stored revision
    /// (observedRevision = revision, compared in the UPDATE itself, so a change committed meanwhile wins). A report on an
    /// older revision is never copied; one on the current revision is, even before the outbox row of that revision is done.
    /// Returns whether the deployment changed.
    /// </summary>
    public async Task<bool> ObserveAsync(DeploymentReport report, CancellationToken cancellationToken)
    {
        // Only the server's own UserDeployment speaks for a deployment: server-made, in the deployment's namespace, of its name
        // (its labels and revision are values anyone who may write UserDeployments there can copy onto another resource).
        if (!report.ServerMade || report.DeploymentId is not { } id || report.Status is not { Revision: { } revision } status) return false;
        if (!Enum.TryParse<DeploymentPhase>(status.Phase, ignoreCase: false, out var phase) || !Enum.IsDefined(phase)) return false;
        if (status.ObservedGeneration != report.Generation) return false;
        if (!DeploymentCodes.TryParseState(report.DesiredState, out var desired)) return false;
        if (options.TeamOf(report.Namespace) is not { } team) return false;   // not one left in an old namespace either

        var message = Bounded(status.Message);
        var observed = Bounded(status.Observed);
        var deploymentId = new DeploymentId(id);
        var changed = await db.Deployments
            .Where(d => d.Id == deploymentId && d.TeamId == team && d.Name == report.Name && d.Revision == revision && d.State == desired
                && (d.Phase != phase || d.PhaseMessage != message || d.Observed != observed))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Phase, phase).SetProperty(d => d.PhaseMessage, message).SetProperty(d => d.Observed, observed),
                cancellationToken);
        return changed > 0;
    }

    /// <summary>
    /// The conditions and per-service replicas, bounded: the status is written by an operator, but anyone with access to
    /// the cluster can edit it. At most <see cref="MaxObservedItems"/> of each, every text cut to a length the UI shows.
    /// </summary>
    public static ClusterObservation Bounded(ClusterObservation observed) => new(
        observed.Conditions.Where(c => c.Type.Length > 0 && c.Status is "True" or "False" or "Unknown").Take(MaxObservedItems)
            .Select(c => c with { Type = Bounded(c.Type, 64)!, Reason = Bounded(c.Reason, 128)!, Message = Bounded(c.Message)! }).ToList(),
        observed.Services.Where(s => s.Name.Length > 0).Take(MaxObservedItems)
            .Select(s => s with { Name = Bounded(s.Name, 64)!, DesiredReplicas = Math.Max(s.DesiredReplicas, 0), ReadyReplicas = Math.Max(s.ReadyReplicas, 0) })
            .ToList());

    public const int MaxObservedItems = 16;

    private static string? Bounded(string? text, int max = 500) => text is { } t && t.Length > max ? t[..max] : text;

    /// <summary>
    /// The full comparison, after a full list of the server's UserDeployments (at start, after a watch expired, and
    /// every <c>20 x KUBERNETES_RECONCILE_INTERVAL</c>). First removes the server-made ones (a hand-written
    /// UserDeployment is never touched) that no stored deployment accounts for: its deployment is gone (and its
    /// organization is one of this database's), or it lives in another namespace than the deployment's (moved by an
    /// upgrade or a new KUBERNETES_NAMESPACE). Then every stored deployment without its UserDeployment in its namespace
    /// gets an apply row. Removing before applying keeps two UserDeployments from claiming one host while a deployment moves.
    /// </summary>
    public async Task<FullComparison> CompareAsync(IReadOnlyList<DeploymentReport> inCluster, CancellationToken cancellationToken)
    {
        var stored = (await db.Deployments.AsNoTracking().Select(d => new { d.Id, d.TeamId, d.Name }).ToListAsync(cancellationToken))
            .ToDictionary(d => d.Id.Value);
        var placed = new HashSet<Guid>();
        var removed = 0;
        foreach (var report in inCluster)
        {
            if (!report.ServerMade || report.DeploymentId is not { } id) continue;
            if (stored.TryGetValue(id, out var d) && report.Namespace == options.NamespaceFor(d.TeamId) && report.Name == d.Name)
            {
                placed.Add(id);
                continue;
            }
            if (d is null && !await OfOurOrganizationAsync(report, cancellationToken)) continue;
            await publisher.RemoveAsync(report.Namespace, report.Name, cancellationToken);   // what it owns goes by garbage collection
            logger.LogInformation("Removed UserDeployment {Namespace}/{Name}: {Why}", report.Namespace, report.Name,
                d is null ? "its deployment no longer exists" : $"deployment {id} now lives in {options.NamespaceFor(d.TeamId)}");
            removed++;
        }
        var missing = stored.Values.Where(d => !placed.Contains(d.Id.Value)).ToList();
        foreach (var d in missing)
            if (!await outbox.HasPendingAsync(d.Id.Value, cancellationToken))
                await outbox.EnqueueApplyAsync(d.Id.Value, options.NamespaceFor(d.TeamId), d.Name, cancellationToken);
        return new FullComparison(missing.Count, removed);
    }

    /// <summary>
    /// Whether a UserDeployment whose deployment is not stored belongs to an organization this database knows. One
    /// that does not is left alone: a second installation sharing the cluster, or a server started against the wrong
    /// (or an empty) database, must not remove other installations' deployments.
    /// </summary>
    private async Task<bool> OfOurOrganizationAsync(DeploymentReport report, CancellationToken cancellationToken)
    {
        if (report.OrganizationId is not { } id) return false;
        var organization = new OrganizationId(id);
        return await db.Organizations.AnyAsync(o => o.Id == organization, cancellationToken);
    }

    /// <summary>
    /// A UserDeployment deleted in the cluster while its deployment is still stored: schedule it again. One deleted
    /// from another namespace than the deployment's (an orphan the full comparison removed) needs nothing.
    /// </summary>
    public async Task<bool> EnqueueIfStoredAsync(Guid id, string? deletedFrom, CancellationToken cancellationToken)
    {
        var deploymentId = new DeploymentId(id);
        var stored = await db.Deployments.AsNoTracking().Where(d => d.Id == deploymentId).Select(d => new { d.TeamId, d.Name }).SingleOrDefaultAsync(cancellationToken);
        if (stored is null || await outbox.HasPendingAsync(id, cancellationToken)) return false;
        var ns = options.NamespaceFor(stored.TeamId);
        if (deletedFrom is not null && deletedFrom != ns) return false;
        await outbox.EnqueueApplyAsync(id, ns, stored.Name, cancellationToken);
        return true;
    }
}

/// <summary>What a full comparison did: apply rows added for deployments the cluster lacks, orphaned UserDeployments removed.</summary>
public sealed record FullComparison(int Missing, int Removed);

/// <summary>
/// A stored secret value of a deployment could not be decrypted (its key is gone, or the ciphertext was damaged). The
/// message names the secret, never its value nor the key ids (those are in the inner exception, for the log).
/// </summary>
public sealed class SecretUnreadableException(string secret, System.Security.Cryptography.CryptographicException inner)
    : Exception($"the stored value of secret {secret} cannot be decrypted (the key it was encrypted with is not configured, or the value is damaged); set the secret again", inner)
{
    public string Secret { get; } = secret;
}
