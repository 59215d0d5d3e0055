using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using MediatR;

namespace CleanScheduler.Application.Common.Behaviors;

/// <summary>
/// Checks what a request declares (<see cref="IAuthorizedRequest"/>, <see cref="IPlatformAdminRequest"/>) against the
/// caller before the handler runs. Another tenant's resource answers exactly like a missing one.
/// </summary>
public sealed class AuthorizationBehavior<TRequest, TResponse>(ICurrentUser user, IAccessReader access)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is IPlatformAdminRequest adminRequest)
            await AuthorizePlatformAdminAsync(adminRequest, cancellationToken);
        if (request is IAuthorizedRequest authorized)
            await AuthorizeAsync(authorized, cancellationToken);
        return await next();
    }

    private async Task AuthorizeAsync(IAuthorizedRequest request, CancellationToken cancellationToken)
    {
        var (resource, id, found) = request.Resource switch
        {
            ResourceRef.Organization org => ("organization", org.Id.Value, await access.ForOrganizationAsync(org.Id, user.Id, cancellationToken)),
            ResourceRef.Team team => ("team", team.Id.Value, await access.ForTeamAsync(team.Id, user.Id, cancellationToken)),
            _ => throw new InvalidOperationException($"Unknown resource {request.Resource}."),
        };
        if (found is null || !found.IsMember)
            throw new NotFoundException(resource, id);
        if (!Permissions.Allows(found.OrgRole, found.TeamRole, request.Permission))
            throw new AccessDeniedException("permission.denied",
                $"Your role ({DescribeRoles(found)}) does not allow {request.Permission.Code} on this {resource}.");
    }

    private async Task AuthorizePlatformAdminAsync(IPlatformAdminRequest request, CancellationToken cancellationToken)
    {
        if (user.IsPlatformAdmin) return;
        if (request.Organization is { } org)
        {
            var found = await access.ForOrganizationAsync(org, user.Id, cancellationToken);
            if (found is null || !found.IsMember) throw new NotFoundException("organization", org.Value);
        }
        throw new AccessDeniedException("platform.admin_required", "Only platform administrators can do this.");
    }

    private static string DescribeRoles(ResourceAccess found) =>
        string.Join(", ", new[] { found.OrgRole?.ToCode(), found.TeamRole?.ToCode() }.Where(r => r is not null));
}
