namespace CleanScheduler.Application.Common;

/// <summary>
/// One line of the audit log: who (<see cref="ActorId"/>, <see cref="ActorEmail"/>; null for the system) did what
/// (<see cref="Action"/>, such as <c>deployment.launched</c>) to which resource, when. Written in the same transaction
/// as the change it records. <see cref="Details"/> is a small JSON object and never holds secret values.
/// </summary>
public sealed class AuditEntry
{
    private AuditEntry() { }

    public AuditEntry(DateTimeOffset occurredAt, Guid? organizationId, Guid? actorId, string? actorEmail, string action,
        string resourceType, Guid? resourceId, string details)
    {
        Id = Guid.CreateVersion7(occurredAt);
        (OccurredAt, OrganizationId, ActorId, ActorEmail, Action, ResourceType, ResourceId, Details) =
            (occurredAt, organizationId, actorId, actorEmail, action, resourceType, resourceId, details);
    }

    public Guid Id { get; private set; }

    /// <summary>Insertion order, assigned by the database.</summary>
    public long Seq { get; private set; }
    public DateTimeOffset OccurredAt { get; private set; }
    public Guid? OrganizationId { get; private set; }
    public Guid? ActorId { get; private set; }
    public string? ActorEmail { get; private set; }
    public string Action { get; private set; } = null!;
    public string ResourceType { get; private set; } = null!;
    public Guid? ResourceId { get; private set; }
    public string Details { get; private set; } = "{}";
}

/// <summary>Who is acting in this scope, for the audit log; null when the system acts (start-up, background work).</summary>
public sealed record AuditActor(Guid Id, string Email);
