using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Members;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Domain.Common;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace CleanScheduler.WebApi.Endpoints;

public static class OrganizationEndpoints
{
    public static IEndpointRouteBuilder MapOrganizationEndpoints(this IEndpointRouteBuilder app)
    {
        var orgs = app.MapGroup("/api/orgs").WithTags("Organizations").RequireAuthorization();
        orgs.MapGet("/", ListAsync).WithName("listOrganizations").WithSummary("Organizations the caller belongs to").WithProblems(Status400BadRequest);
        orgs.MapPost("/", CreateAsync).WithName("createOrganization").WithSummary("Found an organization (the caller becomes its owner; a default team is created)")
            .WithProblems(Status400BadRequest, Status409Conflict);
        orgs.MapGet("/{id:guid}", GetAsync).WithName("getOrganization").WithSummary("One organization").WithProblems(Status404NotFound);
        orgs.MapPatch("/{id:guid}", RenameAsync).WithName("renameOrganization").WithSummary("Rename an organization")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        orgs.MapDelete("/{id:guid}", DeleteAsync).WithName("deleteOrganization").WithSummary("Delete an organization with its teams (owners only)")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        orgs.MapGet("/{id:guid}/usage", UsageAsync).WithName("getOrganizationUsage").WithSummary("Each limit of the organization's plan beside its current use")
            .WithProblems(Status404NotFound);
        orgs.MapGet("/{id:guid}/audit", AuditAsync).WithName("listOrganizationAuditEntries").WithSummary("The organization's audit log, newest first (owners and admins)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound);
        orgs.MapPut("/{id:guid}/plan", SetPlanAsync).WithName("setOrganizationPlan").WithSummary("Set the organization's tier (platform admins only)")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);

        orgs.MapGet("/{id:guid}/teams", ListTeamsAsync).WithName("listTeams").WithSummary("Teams of an organization").WithTags("Teams")
            .WithProblems(Status400BadRequest, Status404NotFound);
        orgs.MapPost("/{id:guid}/teams", CreateTeamAsync).WithName("createTeam").WithSummary("Create a team").WithTags("Teams")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);

        var members = orgs.MapGroup("/{id:guid}/members").WithTags("Organization members");
        members.MapGet("/", ListMembersAsync).WithName("listOrganizationMembers").WithSummary("Members of an organization").WithProblems(Status400BadRequest, Status404NotFound);
        members.MapPost("/", AddMemberAsync).WithName("addOrganizationMember").WithSummary("Add a member by e-mail")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        members.MapPatch("/{userId:guid}", ChangeMemberRoleAsync).WithName("changeOrganizationMemberRole").WithSummary("Change a member's organization role")
            .WithProblems(Status400BadRequest, Status403Forbidden, Status404NotFound, Status409Conflict);
        members.MapDelete("/{userId:guid}", RemoveMemberAsync).WithName("removeOrganizationMember").WithSummary("Remove a member from the organization and its teams")
            .WithProblems(Status403Forbidden, Status404NotFound, Status409Conflict);
        return app;
    }

    private static async Task<Ok<Paged<OrganizationSummary>>> ListAsync(IMediator mediator, CancellationToken ct, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListOrganizationsQuery(page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Created<OrganizationDetails>> CreateAsync(CreateOrganizationRequest body, IMediator mediator, CancellationToken ct)
    {
        var org = await mediator.Send(new CreateOrganizationCommand(body.Name, body.Slug), ct);
        return TypedResults.Created($"/api/orgs/{org.Id}", org);
    }

    private static async Task<Ok<OrganizationDetails>> GetAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetOrganizationQuery(new OrganizationId(id)), ct));

    private static async Task<Ok<OrganizationDetails>> RenameAsync(Guid id, RenameRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RenameOrganizationCommand(new OrganizationId(id), body.Name), ct));

    private static async Task<NoContent> DeleteAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteOrganizationCommand(new OrganizationId(id)), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Paged<AuditEntryDto>>> AuditAsync(Guid id, IMediator mediator, CancellationToken ct, string? action, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new GetAuditLogQuery(new OrganizationId(id), action, page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Ok<UsageDto>> UsageAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetUsageQuery(new OrganizationId(id)), ct));

    private static async Task<Ok<OrganizationDetails>> SetPlanAsync(Guid id, SetPlanRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetOrganizationPlanCommand(new OrganizationId(id), body.Plan), ct));

    private static async Task<Ok<Paged<TeamDto>>> ListTeamsAsync(Guid id, IMediator mediator, CancellationToken ct, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListTeamsQuery(new OrganizationId(id), page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Created<TeamDto>> CreateTeamAsync(Guid id, CreateTeamRequest body, IMediator mediator, CancellationToken ct)
    {
        var team = await mediator.Send(new CreateTeamCommand(new OrganizationId(id), body.Name), ct);
        return TypedResults.Created($"/api/teams/{team.Id}", team);
    }

    private static async Task<Ok<Paged<MemberDto>>> ListMembersAsync(Guid id, IMediator mediator, CancellationToken ct, int? page, int? pageSize) =>
        TypedResults.Ok(await mediator.Send(new ListOrganizationMembersQuery(new OrganizationId(id), page ?? 1, pageSize ?? Paging.DefaultPageSize), ct));

    private static async Task<Created<MemberDto>> AddMemberAsync(Guid id, AddMemberRequest body, IMediator mediator, CancellationToken ct)
    {
        var member = await mediator.Send(new AddOrganizationMemberCommand(new OrganizationId(id), body.Email, body.Role), ct);
        return TypedResults.Created($"/api/orgs/{id}/members/{member.UserId}", member);
    }

    private static async Task<Ok<MemberDto>> ChangeMemberRoleAsync(Guid id, Guid userId, ChangeRoleRequest body, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ChangeOrganizationMemberRoleCommand(new OrganizationId(id), new UserId(userId), body.Role), ct));

    private static async Task<NoContent> RemoveMemberAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemoveOrganizationMemberCommand(new OrganizationId(id), new UserId(userId)), ct);
        return TypedResults.NoContent();
    }
}
