using System.Text.RegularExpressions;
using CleanScheduler.Domain.Common;

namespace CleanScheduler.Domain.Deployments;

/// <summary>What the owner wants: the deployment serving, or scaled to zero (everything else kept).</summary>
public enum DesiredState
{
    Running = 0,
    Stopped = 1,
}

/// <summary>What the cluster reports (DESIGN.md §6). Without a cluster a running deployment stays Pending.</summary>
public enum DeploymentPhase
{
    Pending = 0,
    Provisioning = 1,
    Running = 2,
    Stopped = 3,
    Failed = 4,
    Deleting = 5,
}

/// <summary>One of the cluster's conditions on a deployment (Ready, Progressing, Degraded), as its operator reported it.</summary>
public sealed record ObservedCondition(string Type, string Status, string Reason, string Message, DateTimeOffset? LastTransitionTime);

/// <summary>How many replicas of one service the cluster reports ready.</summary>
public sealed record ObservedService(string Name, int DesiredReplicas, int ReadyReplicas);

/// <summary>
/// The rest of what the cluster last reported besides the phase: its conditions and per-service replicas. Forgotten
/// when the owner changes what the deployment should be, since it then describes an older wish.
/// </summary>
public sealed record ClusterObservation(IReadOnlyList<ObservedCondition> Conditions, IReadOnlyList<ObservedService> Services)
{
    public static readonly ClusterObservation None = new([], []);
}

/// <summary>A deployment's name: a DNS-1035 label of at most 40 characters, so that derived names stay within 63.</summary>
public readonly partial record struct DeploymentName
{
    public const int MaxLength = 40;
    public const string Rule = "1 to 40 lowercase letters, digits or hyphens, starting with a letter and ending with a letter or digit";

    public string Value { get; }

    private DeploymentName(string value) => Value = value;

    public static bool IsValid(string? value) => value is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(value);

    public static DeploymentName From(string value) =>
        IsValid(value) ? new DeploymentName(value) : throw new ArgumentException($"A deployment name must be {Rule}.", nameof(value));

    public override string ToString() => Value;

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}

/// <summary>A secret setting's value, encrypted by the application; the domain never sees the plain text.</summary>
public sealed class SecretValue
{
    private SecretValue() { }

    public SecretValue(string name, byte[] ciphertext, string keyId) => (Name, Ciphertext, KeyId) = (name, ciphertext, keyId);

    public string Name { get; private set; } = null!;
    public byte[] Ciphertext { get; private set; } = null!;
    public string KeyId { get; private set; } = null!;
}

/// <summary>
/// A team's running instance of a template version, with the values of its settings, reachable at
/// <c>https://&lt;owner handle&gt;-&lt;name&gt;.&lt;deployment domain&gt;</c>. Only a <see cref="Billing.Subscription"/> launches one,
/// within its plan's limit.
/// </summary>
public sealed class Deployment : AggregateRoot<DeploymentId>
{
    private readonly List<SecretValue> _secrets = [];

    private Deployment() { }

    public OrganizationId OrganizationId { get; private set; }
    public TeamId TeamId { get; private set; }
    public string Name { get; private set; } = null!;
    public string Host { get; private set; } = null!;
    public UserId CreatedBy { get; private set; }
    public string OwnerHandle { get; private set; } = null!;
    public TemplateId TemplateId { get; private set; }
    public int TemplateVersion { get; private set; }
    public Dictionary<string, string> Values { get; private set; } = [];
    public DesiredState State { get; private set; }
    public DeploymentPhase Phase { get; private set; }
    public string? PhaseMessage { get; private set; }
    public ClusterObservation Observed { get; private set; } = ClusterObservation.None;

    /// <summary>
    /// The number of the owner's current wish: 1 at launch, raised by every change the cluster must be told of. The
    /// UserDeployment carries it (<c>spec.revision</c>) and the operator's report echoes it, so a report is copied only
    /// when it describes this revision. Two changes from the same revision cannot both commit (row version).
    /// </summary>
    public long Revision { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public IReadOnlyCollection<SecretValue> Secrets => _secrets;

    public string Url => $"https://{Host}";

    internal static Deployment Launch(
        OrganizationId organization, TeamId team, DeploymentName name, UserId owner, string ownerHandle, string deploymentDomain,
        TemplateId template, int templateVersion, IReadOnlyDictionary<string, string> values, IEnumerable<SecretValue> secrets,
        DateTimeOffset now)
    {
        var deployment = new Deployment
        {
            Id = DeploymentId.New(),
            OrganizationId = organization,
            TeamId = team,
            Name = name.Value,
            Host = $"{ownerHandle}-{name.Value}.{deploymentDomain}",
            CreatedBy = owner,
            OwnerHandle = ownerHandle,
            TemplateId = template,
            TemplateVersion = templateVersion,
            Values = new Dictionary<string, string>(values, StringComparer.Ordinal),
            State = DesiredState.Running,
            Phase = DeploymentPhase.Pending,
            Revision = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        deployment._secrets.AddRange(secrets);
        deployment.Raise(new DeploymentLaunched(organization, deployment.Id, team, deployment.Name, now));
        return deployment;
    }

    public void Stop(DateTimeOffset now)
    {
        if (State == DesiredState.Stopped) return;
        (State, Phase, PhaseMessage, Observed, UpdatedAt) = (DesiredState.Stopped, DeploymentPhase.Stopped, null, ClusterObservation.None, now);
        Changed(new DeploymentStopped(OrganizationId, Id, now));
    }

    public void Start(DateTimeOffset now)
    {
        if (State == DesiredState.Running) return;
        (State, Phase, PhaseMessage, Observed, UpdatedAt) = (DesiredState.Running, DeploymentPhase.Pending, null, ClusterObservation.None, now);
        Changed(new DeploymentStarted(OrganizationId, Id, now));
    }

    /// <summary>New values (and possibly another version of the same template): the deployment is rolled out again.</summary>
    public void Reconfigure(int templateVersion, IReadOnlyDictionary<string, string> values, IEnumerable<SecretValue> secrets, DateTimeOffset now)
    {
        TemplateVersion = templateVersion;
        Values = new Dictionary<string, string>(values, StringComparer.Ordinal);
        _secrets.Clear();
        _secrets.AddRange(secrets);
        if (State == DesiredState.Running) (Phase, PhaseMessage) = (DeploymentPhase.Pending, null);
        Observed = ClusterObservation.None;
        UpdatedAt = now;
        Changed(new DeploymentReconfigured(OrganizationId, Id, templateVersion, now));
    }

    public void Delete(DateTimeOffset now) => Raise(new DeploymentDeleted(OrganizationId, Id, Name, now));

    /// <summary>
    /// The organization's plan changed: nothing of the deployment itself does, but the cluster must be given the new
    /// tier and limits (its UserDeployment carries them), so the change is recorded for the cluster sync.
    /// </summary>
    public void PlanChanged(DateTimeOffset now) => Changed(new DeploymentPlanChanged(OrganizationId, Id, now));

    /// <summary>A secret of one of its tiers (organization, deployment, service) changed: the cluster must be given the new set.</summary>
    public void SecretsChanged(DateTimeOffset now) => Changed(new DeploymentSecretsChanged(OrganizationId, Id, now));

    /// <summary>A new wish for the cluster: the next revision, and the event that writes its outbox row.</summary>
    private void Changed(IDomainEvent change)
    {
        Revision++;
        Raise(change);
    }
}

public sealed record DeploymentLaunched(OrganizationId Organization, DeploymentId Deployment, TeamId Team, string Name, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentStopped(OrganizationId Organization, DeploymentId Deployment, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentStarted(OrganizationId Organization, DeploymentId Deployment, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentReconfigured(OrganizationId Organization, DeploymentId Deployment, int TemplateVersion, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentPlanChanged(OrganizationId Organization, DeploymentId Deployment, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentSecretsChanged(OrganizationId Organization, DeploymentId Deployment, DateTimeOffset OccurredAt) : IDomainEvent;
public sealed record DeploymentDeleted(OrganizationId Organization, DeploymentId Deployment, string Name, DateTimeOffset OccurredAt) : IDomainEvent;

public static class DeploymentCodes
{
    public static string ToCode(this DesiredState state) => state == DesiredState.Stopped ? "stopped" : "running";

    public static bool TryParseState(string? code, out DesiredState state)
    {
        state = code == "stopped" ? DesiredState.Stopped : DesiredState.Running;
        return code is "running" or "stopped";
    }

    public static string ToCode(this DeploymentPhase phase) => phase.ToString();

    public static DeploymentPhase ParsePhase(string code) =>
        Enum.TryParse<DeploymentPhase>(code, ignoreCase: false, out var phase) ? phase : throw new ArgumentException($"Unknown phase '{code}'.", nameof(code));
}
