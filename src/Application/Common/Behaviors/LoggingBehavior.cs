using System.Diagnostics;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.Extensions.Logging;

namespace CleanScheduler.Application.Common.Behaviors;

/// <summary>Logs each use case with its outcome and duration. Request contents are not logged: they may hold secrets.</summary>
public sealed class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> logger)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next();
            logger.LogDebug("{Request} handled in {ElapsedMs:0.0} ms", typeof(TRequest).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (DomainException e)
        {
            logger.LogInformation("{Request} refused: {Code}", typeof(TRequest).Name, e.Code);
            throw;
        }
        catch (FluentValidation.ValidationException)
        {
            logger.LogInformation("{Request} refused: invalid input", typeof(TRequest).Name);
            throw;
        }
    }
}
