using System.Text;
using System.Text.Json.Nodes;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Kubernetes;
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
    /// status report or full resync brings the refused change back), and go when a newer row of their deployment completes.
    /// </summary>
    Task ParkAsync(IReadOnlyCollection<long> seqs, string error, CancellationToken cancellationToken);

    /// <summary>Whether a later change of the deployment than row <paramref name="seq"/> waits in the outbox.</summary>
    Task<bool> HasNewerAsync(Guid deployment, long seq, CancellationToken cancellationToken);

    /// <summary>Adds an apply row for a deployment the cluster lacks (found by a full comparison, not by a change).</summary>
    Task EnqueueApplyAsync(Guid deployment, string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Whether the cluster has yet to hear of a change to this deployment (its status is then not copied back).</summary>
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

/// <summary>What became of a UserDeployment's status report (<see cref="DeploymentClusterSync.ObserveAsync"/>).</summary>
public enum Observation
{
    /// <summary>Not a report to copy: no deployment label, no phase, or about an older generation.</summary>
    Ignored,
    /// <summary>The deployment already shows it (or it describes another desired state than the stored one).</summary>
    Unchanged,
    Changed,
    /// <summary>A change of the deployment is not published yet: try the report again once it is.</summary>
    Pending,
}

/// <summary>Names and labels of what the server writes into the cluster for a deployment.</summary>
public static class ClusterNames
{
    public const string FieldManager = "cleanscheduler-server";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "cleanscheduler-server";
    public const string DeploymentIdLabel = KubeResource.SchedulerGroup + "/deployment-id";
    public const string OrganizationLabel = KubeResource.SchedulerGroup + "/organization";
    public const string TeamLabel = KubeResource.SchedulerGroup + "/team";
    public static readonly string Selector = $"{ManagedByLabel}={ManagedBy}";

    /// <summary>One ConfigMap per template version and namespace; the template id keeps same-named templates of two organizations apart.</summary>
    public static string TemplateRefName(TemplateId template) => template.Value.ToString();

    public static string SecretName(string deployment) => $"{deployment}-secrets";
}

/// <summary>
/// Brings the cluster in line with the database (DESIGN.md §6): for each pending outbox row, ensure the organization's
/// namespace, publish the template version as a ConfigMap, write the secret values into a Secret and server-side apply
/// the UserDeployment, or delete it. Copies the status the operator reports back onto the deployment. Rows the cluster
/// could not take stay in the outbox: nothing the API acknowledged is lost. The API server unreachable: the pass ends
/// and every row waits. Any other failure concerns one deployment only, and the pass goes on with the others: a
/// request the API server refuses as wrong (<see cref="KubeApiException.RequestRejected"/>) is parked until the
/// deployment changes, anything else (another refusal, a secret that no longer decrypts) is retried with back-off; the
/// deployment shows phase Failed with the cause (except for a missing namespace or a conflict, which heal on the retry),
/// and each failure is logged and counted in <see cref="ClusterSyncMetrics"/>.
/// </summary>
public sealed class DeploymentClusterSync(
    IAppDbContext db, IClusterOutbox outbox, IKubernetesClient kube, ISecretCipher cipher, DeploymentOptions options,
    ClusterSyncState state, ILogger<DeploymentClusterSync> logger, ClusterSyncMetrics metrics)
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
                JsonObject? applied = null;
                if (rows.FirstOrDefault(r => r.Operation == ClusterOperation.Delete) is { } delete)
                    await DeleteAsync(delete.Namespace, delete.Name, cancellationToken);
                else
                    applied = await ApplyAsync(id, cancellationToken);
                await outbox.CompleteAsync(seqs, cancellationToken);
                completed += rows.Count;
                // A retry that worked: the failure an earlier attempt showed gives way to what the operator reports.
                if (rows.Any(r => r.Attempts > 1)) await ClearFailedAsync(id, applied, cancellationToken);
            }
            catch (KubeUnavailableException e)
            {
                // The cluster is down: leave this and every later row for the next round.
                var rest = groups.Skip(index).SelectMany(g => g).ToList();
                await outbox.RetryLaterAsync(rest.Select(r => r.Seq).ToList(), Backoff(rest.Max(r => r.Attempts), maxRetryDelay), e.Message, cancellationToken);
                metrics.Error(ClusterSyncErrorKind.Unavailable);
                logger.LogWarning("Kubernetes API unavailable ({Error}); {Count} deployment change(s) wait in the outbox", e.Message, rest.Count);
                return (completed, true);
            }
            catch (KubeApiException e) when (e.RequestRejected)
            {
                // Sending the same request again cannot succeed: wait for the deployment to change.
                await outbox.ParkAsync(seqs, e.Message, cancellationToken);
                await ShowFailedAsync(id, seqs.Max(), $"the Kubernetes API server refused it: {e.ApiMessage}", cancellationToken);
                metrics.Error(ClusterSyncErrorKind.Rejected);
                logger.LogError("The Kubernetes API refused deployment {Deployment} ({Operation}) as invalid: {Error}; not retried until the deployment changes",
                    id, operation, e.Message);
            }
            catch (KubeApiException e)
            {
                await outbox.RetryLaterAsync(seqs, backoff, e.Message, cancellationToken);
                if (e is not (KubeNotFoundException or KubeConflictException))   // a namespace made again, a conflict: they heal on the retry
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
    private async Task ClearFailedAsync(Guid id, JsonObject? applied, CancellationToken cancellationToken)
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
    /// Writes everything the cluster needs for the deployment as stored now and returns the UserDeployment as the API
    /// server holds it; a deployment since deleted needs nothing (null).
    /// </summary>
    public async Task<JsonObject?> ApplyAsync(Guid id, CancellationToken cancellationToken)
    {
        var deploymentId = new DeploymentId(id);
        var deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deploymentId, cancellationToken);
        if (deployment is null) return null;
        var version = await db.Templates.AsNoTracking().Where(t => t.Id == deployment.TemplateId)
            .SelectMany(t => t.Versions.Where(v => v.Number == deployment.TemplateVersion), (_, v) => v.Spec)
            .SingleAsync(cancellationToken);
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.OrganizationId == deployment.OrganizationId, cancellationToken);

        var ns = options.NamespaceFor(deployment.TeamId);
        try
        {
            await EnsureNamespaceAsync(ns, deployment.OrganizationId, deployment.TeamId, cancellationToken);
            var templateRef = new TemplateRef(ClusterNames.TemplateRefName(deployment.TemplateId), deployment.TemplateVersion);
            await PublishTemplateAsync(ns, templateRef, version, cancellationToken);   // every time: cheap, and heals a deleted ConfigMap

            var secretKeys = deployment.Secrets.Select(s => s.Name).Order(StringComparer.Ordinal).ToList();
            var resource = UserDeployment(deployment, ns, templateRef, subscription.Tier, subscription.Limits, secretKeys);
            var applied = await kube.ApplyAsync(KubeResource.UserDeployments, resource, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
            if (secretKeys.Count > 0 && options.Render.ClusterSecretStore is null)   // with a secret store, the ExternalSecret fills it
                await WriteSecretAsync(deployment, ns, (string?)applied["metadata"]?["uid"], cancellationToken);
            return applied;
        }
        catch (KubeNotFoundException)
        {
            state.Forget(ns);   // the namespace went away: create it again on the retry
            throw;
        }
    }

    /// <summary>
    /// Deletes the UserDeployment (its finalizer lets the operator remove what it owns) and the Secret the server wrote.
    /// What is gone already (never written, removed by the garbage collector, or its namespace gone) is done.
    /// </summary>
    public async Task DeleteAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await DeleteIfPresentAsync(KubeResource.UserDeployments, ns, name, cancellationToken);
        await DeleteIfPresentAsync(KubeResource.Secrets, ns, ClusterNames.SecretName(name), cancellationToken);
    }

    private async Task DeleteIfPresentAsync(KubeResource kind, string ns, string name, CancellationToken cancellationToken)
    {
        try { await kube.DeleteAsync(kind, ns, name, cancellationToken: cancellationToken); }
        catch (KubeNotFoundException) { }
    }

    /// <summary>
    /// Creates the team's namespace, labelled with its organization's and its own id. One that already exists must not
    /// be labelled with another organization (made by hand, or a KUBERNETES_NAMESPACE that does not name one namespace
    /// per team): the deployment is then refused rather than put beside another tenant's.
    /// </summary>
    private async Task EnsureNamespaceAsync(string ns, OrganizationId organization, TeamId team, CancellationToken cancellationToken)
    {
        if (state.KnowsNamespace(ns)) return;
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = ns,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/part-of"] = "cleanscheduler", [ClusterNames.OrganizationLabel] = organization.Value.ToString(),
                    [ClusterNames.TeamLabel] = team.Value.ToString(),
                },
            },
        };
        try { await kube.CreateAsync(KubeResource.Namespaces, body, cancellationToken); }
        catch (KubeConflictException e) when (e.AlreadyExists)
        {
            var existing = await kube.GetAsync(KubeResource.Namespaces, null, ns, cancellationToken);
            if ((string?)existing?["metadata"]?["labels"]?[ClusterNames.OrganizationLabel] is { } other && other != organization.Value.ToString())
            {
                logger.LogError("Namespace {Namespace} is labelled {Label}={Other}, not organization {Organization}: not putting a deployment into it",
                    ns, ClusterNames.OrganizationLabel, other, organization);
                throw new NamespaceOfAnotherOrganizationException(ns);
            }
        }
        state.RememberNamespace(ns);
    }

    private async Task PublishTemplateAsync(string ns, TemplateRef templateRef, string specText, CancellationToken cancellationToken)
    {
        var map = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = templateRef.ConfigMapName,
                ["namespace"] = ns,
                ["labels"] = new JsonObject { [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy },
            },
            ["data"] = new JsonObject { [TemplateConfigMap.Key] = specText },
        };
        await kube.ApplyAsync(KubeResource.ConfigMaps, map, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    private async Task WriteSecretAsync(Deployment deployment, string ns, string? ownerUid, CancellationToken cancellationToken)
    {
        var data = new JsonObject();
        foreach (var secret in deployment.Secrets.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            string plain;
            try { plain = cipher.Decrypt(secret.Ciphertext, secret.KeyId, DeploymentReads.SecretContext(deployment, secret.Name)); }
            catch (System.Security.Cryptography.CryptographicException e) { throw new SecretUnreadableException(secret.Name, e); }
            data[secret.Name] = Convert.ToBase64String(Encoding.UTF8.GetBytes(plain));
        }
        var metadata = new JsonObject
        {
            ["name"] = ClusterNames.SecretName(deployment.Name),
            ["namespace"] = ns,
            ["labels"] = Labels(deployment),
        };
        if (ownerUid is not null)   // deleted with the UserDeployment by the garbage collector
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = CustomResources.ApiVersion, ["kind"] = "UserDeployment", ["name"] = deployment.Name, ["uid"] = ownerUid,
            });
        var secretObject = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = metadata, ["type"] = "Opaque", ["data"] = data };
        await kube.ApplyAsync(KubeResource.Secrets, secretObject, ClusterNames.FieldManager, force: true, cancellationToken: cancellationToken);
    }

    private static JsonObject Labels(Deployment deployment) => new()
    {
        [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
        [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
        ["app.kubernetes.io/instance"] = deployment.Name,
    };

    /// <summary>The UserDeployment for a stored deployment. Secret values never go in it: only the Secret's name and keys.</summary>
    public static JsonObject UserDeployment(
        Deployment deployment, string ns, TemplateRef templateRef, Tier tier, TierLimits limits, IReadOnlyList<string> secretKeys)
    {
        var spec = new UserDeploymentSpec(
            deployment.State.ToCode(),
            new DeploymentOwner(deployment.OwnerHandle, deployment.CreatedBy.Value.ToString(), deployment.TeamId.Value.ToString(), deployment.OrganizationId.Value.ToString()),
            deployment.Id.Value.ToString(),
            tier.ToCode(),
            new LimitsSpec(limits.Isolation.ToCode(), limits.Quota is { } q ? new QuotaSpec(q.Cpu, q.Memory, q.Pods) : null),
            templateRef,
            Values: new SortedDictionary<string, string>(deployment.Values, StringComparer.Ordinal),
            SecretRefs: secretKeys.Count > 0 ? [new SecretRef(ClusterNames.SecretName(deployment.Name), secretKeys)] : null,
            Host: deployment.Host);
        var resource = CustomResources.ToJson(new UserDeploymentResource(
            new ObjectMeta(deployment.Name, ns, Labels: new Dictionary<string, string>
            {
                [ClusterNames.ManagedByLabel] = ClusterNames.ManagedBy,
                [ClusterNames.DeploymentIdLabel] = deployment.Id.Value.ToString(),
            }),
            spec));
        resource.Remove("status");
        return resource;
    }

    /// <summary>
    /// Copies a UserDeployment's reported phase, conditions and replicas onto its deployment, once the operator has seen
    /// the latest spec and the server has nothing pending for it (otherwise the report may describe an older wish:
    /// <see cref="Observation.Pending"/>, and the caller tries the same report again once the change is published).
    /// </summary>
    public async Task<Observation> ObserveAsync(JsonObject resource, CancellationToken cancellationToken)
    {
        if (DeploymentIdOf(resource) is not { } id) return Observation.Ignored;
        if (resource["status"] is not JsonObject status || (string?)status["phase"] is not { } phaseText) return Observation.Ignored;
        if (!Enum.TryParse<DeploymentPhase>(phaseText, ignoreCase: false, out var phase) || !Enum.IsDefined(phase)) return Observation.Ignored;
        if (JsonLong(status["observedGeneration"]) != JsonLong(resource["metadata"]?["generation"])) return Observation.Ignored;
        if (!DeploymentCodes.TryParseState((string?)resource["spec"]?["desiredState"], out var desired)) return Observation.Ignored;
        // Only the UserDeployment in the deployment's namespace speaks for it (not one left in an old namespace).
        if (options.TeamOf((string?)resource["metadata"]?["namespace"]) is not { } team) return Observation.Ignored;
        if (await outbox.HasPendingAsync(id, cancellationToken)) return Observation.Pending;

        var message = Bounded((string?)status["message"]);
        var observed = ObservationOf(status);
        var deploymentId = new DeploymentId(id);
        var changed = await db.Deployments
            .Where(d => d.Id == deploymentId && d.TeamId == team && d.State == desired && (d.Phase != phase || d.PhaseMessage != message || d.Observed != observed))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Phase, phase).SetProperty(d => d.PhaseMessage, message).SetProperty(d => d.Observed, observed),
                cancellationToken);
        return changed > 0 ? Observation.Changed : Observation.Unchanged;
    }

    /// <summary>The deployment id a UserDeployment carries in its label, if any.</summary>
    public static Guid? DeploymentIdOf(JsonObject resource) =>
        Guid.TryParse((string?)resource["metadata"]?["labels"]?[ClusterNames.DeploymentIdLabel], out var id) ? id : null;

    /// <summary>
    /// The conditions and per-service replicas of a UserDeployment's status. Whatever is malformed is left out (the
    /// status is written by an operator, but anyone with access to the cluster can edit it), and every text is bounded.
    /// </summary>
    public static ClusterObservation ObservationOf(JsonObject status)
    {
        var conditions = (status["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(c => Text(c["type"]) is { Length: > 0 } && Text(c["status"]) is "True" or "False" or "Unknown")
            .Take(MaxObservedItems)
            .Select(c => new ObservedCondition(Bounded(Text(c["type"]), 64)!, Text(c["status"])!, Bounded(Text(c["reason"]), 128) ?? "",
                Bounded(Text(c["message"])) ?? "",
                DateTimeOffset.TryParse(Text(c["lastTransitionTime"]), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null))
            .ToList();
        var services = (status["services"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(s => Text(s["name"]) is { Length: > 0 })
            .Take(MaxObservedItems)
            .Select(s => new ObservedService(Bounded(Text(s["name"]), 64)!, Count(s["desiredReplicas"]), Count(s["readyReplicas"])))
            .ToList();
        return new ClusterObservation(conditions, services);
    }

    private const int MaxObservedItems = 16;

    private static int Count(JsonNode? node) => (int)Math.Clamp(JsonLong(node) ?? 0, 0, int.MaxValue);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? Bounded(string? text, int max = 500) => text is { } t && t.Length > max ? t[..max] : text;

    /// <summary>
    /// The full comparison, after a full list of the server's UserDeployments (at start, after a watch expired, and
    /// every <c>20 x KUBERNETES_RECONCILE_INTERVAL</c>). First removes the server-made ones (both the managed-by and the
    /// deployment-id label; a hand-written UserDeployment has neither and is never touched) that no stored deployment
    /// accounts for: its deployment is gone (and its organization is one of this database's), or it lives in another
    /// namespace than the deployment's (moved by an upgrade or a new KUBERNETES_NAMESPACE). Then every stored deployment
    /// without its UserDeployment in its namespace gets an apply row. Removing before applying keeps two UserDeployments
    /// from claiming one host while a deployment moves.
    /// </summary>
    public async Task<FullComparison> CompareAsync(IReadOnlyList<JsonObject> inCluster, CancellationToken cancellationToken)
    {
        var stored = (await db.Deployments.AsNoTracking().Select(d => new { d.Id, d.TeamId, d.Name }).ToListAsync(cancellationToken))
            .ToDictionary(d => d.Id.Value);
        var placed = new HashSet<Guid>();
        var removed = 0;
        foreach (var resource in inCluster)
        {
            if (!IsServerMade(resource) || DeploymentIdOf(resource) is not { } id) continue;
            var ns = (string?)resource["metadata"]?["namespace"] ?? "";
            var name = (string?)resource["metadata"]?["name"] ?? "";
            if (stored.TryGetValue(id, out var d) && ns == options.NamespaceFor(d.TeamId) && name == d.Name)
            {
                placed.Add(id);
                continue;
            }
            if (d is null && !await OfOurOrganizationAsync(resource, cancellationToken)) continue;
            await DeleteIfPresentAsync(KubeResource.UserDeployments, ns, name, cancellationToken);   // what it owns goes by garbage collection
            logger.LogInformation("Removed UserDeployment {Namespace}/{Name}: {Why}", ns, name,
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
    private async Task<bool> OfOurOrganizationAsync(JsonObject resource, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse((string?)resource["spec"]?["owner"]?["organizationId"], out var id)) return false;
        var organization = new OrganizationId(id);
        return await db.Organizations.AnyAsync(o => o.Id == organization, cancellationToken);
    }

    /// <summary>Whether the server wrote this resource: it carries both the managed-by and the deployment-id label.</summary>
    public static bool IsServerMade(JsonObject resource) =>
        (string?)resource["metadata"]?["labels"]?[ClusterNames.ManagedByLabel] == ClusterNames.ManagedBy && DeploymentIdOf(resource) is not null;

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

    private static long? JsonLong(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue w && w.TryGetValue<int>(out var i) ? i : node is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x : null;
}

/// <summary>What a full comparison did: apply rows added for deployments the cluster lacks, orphaned UserDeployments removed.</summary>
public sealed record FullComparison(int Missing, int Removed);

/// <summary>
/// The namespace the deployment belongs in exists and is labelled with another organization (made by hand, or a
/// KUBERNETES_NAMESPACE that does not name one namespace per team). The message, shown on the deployment, does
/// not name the other organization; the log line does.
/// </summary>
public sealed class NamespaceOfAnotherOrganizationException(string ns)
    : Exception($"namespace {ns} belongs to another organization; the platform's operators must free it or change KUBERNETES_NAMESPACE");

/// <summary>
/// A stored secret value of a deployment could not be decrypted (its key is gone, or the ciphertext was damaged). The
/// message names the secret, never its value nor the key ids (those are in the inner exception, for the log).
/// </summary>
public sealed class SecretUnreadableException(string secret, System.Security.Cryptography.CryptographicException inner)
    : Exception($"the stored value of secret {secret} cannot be decrypted (the key it was encrypted with is not configured, or the value is damaged); set the secret again", inner)
{
    public string Secret { get; } = secret;
}

/// <summary>Namespaces this process already made sure exist (forgotten when a write into one answers 404).</summary>
public sealed class ClusterSyncState
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _namespaces = new(StringComparer.Ordinal);

    public bool KnowsNamespace(string ns) => _namespaces.ContainsKey(ns);
    public void RememberNamespace(string ns) => _namespaces.TryAdd(ns, 0);
    public void Forget(string ns) => _namespaces.TryRemove(ns, out _);
}
