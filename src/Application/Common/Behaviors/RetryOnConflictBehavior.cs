using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Common.Behaviors;

/// <summary>Marks a request that changes state. Such requests are retried when a concurrent write wins the race.</summary>
public interface ICommand<out TResponse> : IRequest<TResponse>;

/// <summary>
/// Re-runs a command from fresh state when its save lost a race: the aggregate changed since it was read (row version),
/// the database aborted the transaction for a concurrent one (serialization failure, deadlock), or a concurrent request
/// inserted the same row a moment earlier (the few unique keys <see cref="Constraints"/> marks as races). The second pass
/// sees the winner's data, so the caller gets the precise answer ("the team is full", "already a member") or success
/// instead of a bare conflict. Every other constraint violation (a taken name, slug or host; a foreign key) is the
/// answer itself and reaches the caller at once as its 409. After the last attempt a lost race reaches the caller as a 409.
/// </summary>
public sealed class RetryOnConflictBehavior<TRequest, TResponse>(
    IAppDbContext db, ILogger<RetryOnConflictBehavior<TRequest, TResponse>> logger)
    : IPipelineBehavior<TRequest, TResponse>
{
    public const int MaxAttempts = 8;

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is not ICommand<TResponse>) return await next();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await next();
            }
            catch (Exception e) when (attempt < MaxAttempts && IsLostRace(e))
            {
                logger.LogDebug("{Request} lost a write race (attempt {Attempt}): {Reason}", typeof(TRequest).Name, attempt, e.Message);
                db.DiscardChanges();
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * attempt)), cancellationToken);
            }
        }
    }

    public static bool IsLostRace(Exception e) =>
        e is DbUpdateConcurrencyException or WriteConflictException or ConstraintViolationException { IsRace: true };
}
