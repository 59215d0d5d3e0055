namespace CleanScheduler.Domain.Common;

public interface IDomainEvent
{
    DateTimeOffset OccurredAt { get; }
}

public interface IHasDomainEvents
{
    IReadOnlyList<IDomainEvent> DomainEvents { get; }
    void ClearDomainEvents();
}

/// <summary>
/// Root of a consistency boundary. <see cref="Version"/> is the row version (PostgreSQL <c>xmin</c>):
/// of two transactions that change the same aggregate from the same version, only the first commits.
/// </summary>
public abstract class AggregateRoot<TId> : IHasDomainEvents where TId : struct
{
    private readonly List<IDomainEvent> _domainEvents = [];

    public TId Id { get; protected set; }
    public uint Version { get; private set; }
    public IReadOnlyList<IDomainEvent> DomainEvents => _domainEvents;

    protected void Raise(IDomainEvent domainEvent) => _domainEvents.Add(domainEvent);
    public void ClearDomainEvents() => _domainEvents.Clear();
}
