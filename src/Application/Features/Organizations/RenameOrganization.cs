using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Application.Features.Organizations;

public sealed record RenameOrganizationCommand(OrganizationId Id, string? Name) : ICommand<OrganizationDetails>, IAuthorizedRequest
{
    public Permission Permission => Permission.OrgUpdate;
    public ResourceRef Resource => new ResourceRef.Organization(Id);
}

public sealed class RenameOrganizationValidator : AbstractValidator<RenameOrganizationCommand>
{
    public RenameOrganizationValidator() => RuleFor(c => c.Name).ValidDisplayName("organization name");
}

public sealed class RenameOrganizationHandler(IAppDbContext db, ICurrentUser user, TimeProvider clock)
    : IRequestHandler<RenameOrganizationCommand, OrganizationDetails>
{
    public async Task<OrganizationDetails> Handle(RenameOrganizationCommand command, CancellationToken cancellationToken)
    {
        var org = await db.Organizations.GetAsync(command.Id, cancellationToken);
        org.Rename(command.Name!, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return await OrganizationReads.DetailsAsync(db, command.Id, user.Id, cancellationToken);
    }
}
