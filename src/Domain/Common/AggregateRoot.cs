namespace CleanScheduler.Domain.Common;

public interface IDomainEvent
{
    DateTimeOffset OccurredAt { get; }
}

public interface IHasDomainEvents
{
    IReadOnlyList<IDomainEvent> DomainEvents { get; }

    /// <summary>The pending events with a number that orders them across aggregates, in the order they were raised.</summary>
    IEnumerable<(long Order, IDomainEvent Event)> OrderedDomainEvents { get; }

    void ClearDomainEvents();
}

/// <summary>
/// Root of a consistency boundary. <see cref="Version"/> is the row version (PostgreSQL <c>xmin</c>):
/// of two transactions that change the same aggregate from the same version, only the first commits.
/// </summary>
public abstract class AggregateRoot<TId> : IHasDomainEvents where TId : struct
{
    private readonly List<(long Order, IDomainEvent Event)> _domainEvents = [];

    public TId Id { get; protected set; }
    public uint Version { get; private set; }
    public IReadOnlyList<IDomainEvent> DomainEvents => _domainEvents.Select(e => e.Event).ToList();
    public IEnumerable<(long Order, IDomainEvent Event)> OrderedDomainEvents => _domainEvents;

    protected void Raise(IDomainEvent domainEvent) => _domainEvents.Add((RaiseOrder.Next(), domainEvent));
    public void ClearDomainEvents() => _domainEvents.Clear();
}

/// <summary>
/// One counter for all aggregates (a static field of the generic <see cref="AggregateRoot{TId}"/> would be one counter
/// per aggregate type), so that events raised by different aggregates in one use case keep their order.
/// </summary>
internal static class RaiseOrder
{
    private static long _last;

    public static long Next() => Interlocked.Increment(ref _last);
}
