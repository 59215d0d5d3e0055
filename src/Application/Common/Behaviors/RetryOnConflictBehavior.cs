using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Common.Behaviors;

/// <summary>Marks a request that changes state. Such requests are retried when a concurrent write wins the race.</summary>
public interface ICommand<out TResponse> : IRequest<TResponse>;

/// <summary>
/// Re-runs a command from fresh state when its save lost a race (the aggregate changed since it was read, or a
/// concurrent insert took a unique key). Other constraint violations are not races: they are answered at once. The second pass sees the winner's data, so the caller gets the precise
/// answer ("the team is full", "already a member") instead of a bare conflict. After the last attempt the
/// exception reaches the caller as a 409.
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
            catch (Exception e) when (attempt < MaxAttempts && e is DbUpdateConcurrencyException or ConstraintViolationException { Kind: ConstraintKind.Unique })
            {
                logger.LogDebug("{Request} lost a write race (attempt {Attempt}): {Reason}", typeof(TRequest).Name, attempt, e.Message);
                db.DiscardChanges();
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10 * attempt)), cancellationToken);
            }
        }
    }
}
