using MediatR;

namespace CleanScheduler.Application.Common.Behaviors;

/// <summary>
/// Checks what a request declares (<see cref="IAuthorizedRequest"/>, <see cref="IPlatformAdminRequest"/>) against the
/// caller before the handler runs; an <see cref="IAccessScopedRequest"/>'s handler checks inside its own read, and its
/// response is refused unless it did. Another tenant's resource answers exactly like a missing one.
/// </summary>
public sealed class AuthorizationBehavior<TRequest, TResponse>(ResourceAuthorizer authorizer)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is IPlatformAdminRequest adminRequest)
            await authorizer.RequirePlatformAdminAsync(adminRequest.Organization, cancellationToken);
        if (request is IAccessScopedRequest scoped)
        {
            authorizer.BeginScoped(scoped.Resource, scoped.Permission);
            var response = await next();
            if (!authorizer.HasAllowed(scoped.Resource, scoped.Permission))
                throw new InvalidOperationException(
                    $"The handler of {typeof(TRequest).Name} did not confirm {scoped.Permission.Code} on {scoped.Resource} (ResourceAuthorizer.ConfirmAsync).");
            return response;
        }
        if (request is IAuthorizedRequest authorized)
            await authorizer.RequireAsync(authorized.Resource, authorized.Permission, cancellationToken);
        return await next();
    }
}
