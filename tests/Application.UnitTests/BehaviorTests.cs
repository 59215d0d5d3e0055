using CleanScheduler.Application.Common;
using CleanScheduler.Application.Common.Behaviors;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Application.Features.Organizations;
using CleanScheduler.Application.Features.Teams;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using FluentValidation;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;

namespace CleanScheduler.Application.UnitTests;

public sealed class AuthorizationBehaviorTests
{
    private readonly ICurrentUser _user = Substitute.For<ICurrentUser>();
    private readonly IAccessReader _access = Substitute.For<IAccessReader>();
    private readonly OrganizationId _org = OrganizationId.New();
    private readonly TeamId _team = TeamId.New();
    private int _handlerCalls;

    public AuthorizationBehaviorTests() => _user.Id.Returns(UserId.New());

    private Task<string> Run<TRequest>(TRequest request) where TRequest : notnull =>
        new AuthorizationBehavior<TRequest, string>(new ResourceAuthorizer(_user, _access)).Handle(request, CancellationToken.None, () =>
        {
            _handlerCalls++;
            return Task.FromResult("handled");
        });

    private void Holds(OrgRole? orgRole, TeamRole? teamRole = null)
    {
        _access.ForOrganizationAsync(_org, _user.Id, Arg.Any<CancellationToken>()).Returns(new ResourceAccess(_org, orgRole, null));
        _access.ForTeamAsync(_team, _user.Id, Arg.Any<CancellationToken>()).Returns(new ResourceAccess(_org, orgRole, teamRole));
    }

    [Fact]
    public async Task A_resource_that_does_not_exist_is_not_found_and_the_handler_does_not_run()
    {
        var error = await Assert.ThrowsAsync<NotFoundException>(() => Run(new GetOrganizationQuery(_org)));

        Assert.Equal("organization.not_found", error.Code);
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task Another_tenants_resource_looks_exactly_like_a_missing_one()
    {
        Holds(orgRole: null);

        var error = await Assert.ThrowsAsync<NotFoundException>(() => Run(new GetTeamQuery(_team)));

        Assert.Equal("team.not_found", error.Code);
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task A_member_without_the_permission_is_denied()
    {
        Holds(OrgRole.Member, TeamRole.Viewer);

        var error = await Assert.ThrowsAsync<AccessDeniedException>(() => Run(new RenameTeamCommand(_team, "x")));

        Assert.Equal("permission.denied", error.Code);
        Assert.Contains("team:update", error.Message);
        Assert.Equal(0, _handlerCalls);
    }

    [Fact]
    public async Task A_member_with_the_permission_reaches_the_handler()
    {
        Holds(OrgRole.Member, TeamRole.Admin);

        Assert.Equal("handled", await Run(new RenameTeamCommand(_team, "x")));
        Assert.Equal(1, _handlerCalls);
    }

    [Fact]
    public async Task Org_admins_act_as_team_admin_without_a_team_membership()
    {
        Holds(OrgRole.Admin, teamRole: null);

        await Run(new RenameTeamCommand(_team, "x"));

        Assert.Equal(1, _handlerCalls);
    }

    /// <summary>An access-scoped request whose handler filters by Granting, finds <paramref name="rows"/>, and confirms.</summary>
    private async Task<string> RunScoped(ListDeploymentsQuery query, bool rows, bool confirm = true)
    {
        var authorizer = new ResourceAuthorizer(_user, _access);
        return await new AuthorizationBehavior<ListDeploymentsQuery, string>(authorizer).Handle(query, CancellationToken.None, async () =>
        {
            _handlerCalls++;
            var grant = authorizer.Granting(query.Team, query.Permission);
            Assert.Equal((_team, _user.Id), (grant.Team, grant.User));
            Assert.Equal(Permissions.RolesGranting(Permission.DeployRead), (grant.OrgRoles, grant.TeamRoles));
            if (confirm) await authorizer.ConfirmAsync(query.Team, query.Permission, rows, CancellationToken.None);
            return "handled";
        });
    }

    [Fact]
    public async Task An_access_scoped_request_is_not_read_first_and_rows_its_scoped_read_found_allow_it()
    {
        Assert.Equal("handled", await RunScoped(new ListDeploymentsQuery(_team, null, null), rows: true));

        await _access.DidNotReceiveWithAnyArgs().ForTeamAsync(default, default, default);
    }

    [Theory]
    [InlineData(null, null, "team.not_found")]
    [InlineData(OrgRole.Member, null, "permission.denied")]
    [InlineData(OrgRole.Member, TeamRole.Viewer, null)]
    [InlineData(OrgRole.Admin, null, null)]
    public async Task When_the_scoped_read_finds_nothing_the_roles_decide_as_they_do_before_any_other_handler(OrgRole? orgRole, TeamRole? teamRole, string? error)
    {
        if (orgRole is not null) Holds(orgRole, teamRole);

        var run = RunScoped(new ListDeploymentsQuery(_team, null, null), rows: false);

        if (error is null) Assert.Equal("handled", await run);
        else Assert.Equal(error, (await Assert.ThrowsAnyAsync<DomainException>(() => run)).Code);
    }

    [Fact]
    public async Task A_handler_of_an_access_scoped_request_that_does_not_confirm_has_its_response_refused()
    {
        Holds(OrgRole.Owner);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunScoped(new ListDeploymentsQuery(_team, null, null), rows: true, confirm: false));

        Assert.Contains("ListDeploymentsQuery", error.Message);
        Assert.Equal(1, _handlerCalls);
    }

    [Fact]
    public async Task What_an_earlier_request_of_the_same_scope_confirmed_does_not_count_for_an_access_scoped_one()
    {
        Holds(OrgRole.Owner);
        var authorizer = new ResourceAuthorizer(_user, _access);
        await authorizer.RequireAsync(new ResourceRef.Team(_team), Permission.DeployRead, CancellationToken.None);   // an earlier request
        var query = new ListDeploymentsQuery(_team, null, null);

        await Assert.ThrowsAsync<InvalidOperationException>(() => new AuthorizationBehavior<ListDeploymentsQuery, string>(authorizer)
            .Handle(query, CancellationToken.None, () => Task.FromResult("handled without confirming")));
    }

    [Fact]
    public void Only_read_only_queries_on_a_team_are_access_scoped()
    {
        // The handler runs before the check: a command would change state first, and Granting knows teams only.
        var scoped = typeof(IAccessScopedRequest).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IAccessScopedRequest).IsAssignableFrom(t)).ToList();
        Assert.NotEmpty(scoped);
        foreach (var type in scoped)
        {
            Assert.EndsWith("Query", type.Name, StringComparison.Ordinal);
            var request = (IAuthorizedRequest)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            Assert.IsType<ResourceRef.Team>(request.Resource);
        }
    }

    [Fact]
    public async Task Rows_confirmed_without_a_read_filtered_by_Granting_are_refused()
    {
        var authorizer = new ResourceAuthorizer(_user, _access);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            authorizer.ConfirmAsync(new ResourceRef.Team(_team), Permission.DeployRead, found: true, CancellationToken.None));

        Assert.False(authorizer.HasAllowed(new ResourceRef.Team(_team), Permission.DeployRead));
    }

    [Fact]
    public async Task Requests_that_declare_nothing_pass_through()
    {
        Assert.Equal("handled", await Run(new ListOrganizationsQuery()));
        await _access.DidNotReceiveWithAnyArgs().ForOrganizationAsync(default, default, default);
    }

    [Fact]
    public async Task A_platform_admin_may_set_a_plan_without_being_a_member()
    {
        _user.IsPlatformAdmin.Returns(true);

        await Run(new SetOrganizationPlanCommand(_org, "business"));

        Assert.Equal(1, _handlerCalls);
    }

    [Fact]
    public async Task An_owner_who_is_not_a_platform_admin_is_denied_the_plan_change()
    {
        Holds(OrgRole.Owner);

        var error = await Assert.ThrowsAsync<AccessDeniedException>(() => Run(new SetOrganizationPlanCommand(_org, "business")));

        Assert.Equal("platform.admin_required", error.Code);
    }

    [Fact]
    public async Task A_stranger_asking_for_a_plan_change_does_not_learn_the_organization_exists()
    {
        Holds(orgRole: null);

        await Assert.ThrowsAsync<NotFoundException>(() => Run(new SetOrganizationPlanCommand(_org, "business")));
    }
}

public sealed class ValidationBehaviorTests
{
    [Fact]
    public async Task Invalid_requests_stop_before_the_handler_with_every_failure()
    {
        var behavior = new ValidationBehavior<CreateOrganizationCommand, string>([new CreateOrganizationValidator()]);
        var called = false;

        var error = await Assert.ThrowsAsync<ValidationException>(() => behavior.Handle(
            new CreateOrganizationCommand("", "Not A Slug"), CancellationToken.None, () => { called = true; return Task.FromResult(""); }));

        Assert.False(called);
        Assert.Equal(["Name", "Slug"], error.Errors.Select(e => e.PropertyName).Order().ToArray());
    }

    [Fact]
    public async Task Valid_requests_reach_the_handler()
    {
        var behavior = new ValidationBehavior<CreateOrganizationCommand, string>([new CreateOrganizationValidator()]);

        var result = await behavior.Handle(new CreateOrganizationCommand("Acme", null), CancellationToken.None, () => Task.FromResult("ok"));

        Assert.Equal("ok", result);
    }
}

public sealed class RetryOnConflictBehaviorTests
{
    private readonly IAppDbContext _db = Substitute.For<IAppDbContext>();

    private RetryOnConflictBehavior<TRequest, Unit> Behavior<TRequest>() where TRequest : notnull =>
        new(_db, NullLogger<RetryOnConflictBehavior<TRequest, Unit>>.Instance);

    [Fact]
    public async Task A_command_that_lost_a_race_runs_again_from_fresh_state()
    {
        var attempts = 0;

        await Behavior<DeleteTeamCommand>().Handle(new DeleteTeamCommand(TeamId.New()), CancellationToken.None, () =>
            ++attempts < 3 ? throw new DbUpdateConcurrencyException("lost") : Task.FromResult(Unit.Value));

        Assert.Equal(3, attempts);
        _db.Received(2).DiscardChanges();
    }

    [Fact]
    public async Task A_unique_key_taken_concurrently_is_retried_too()
    {
        var attempts = 0;

        await Behavior<DeleteTeamCommand>().Handle(new DeleteTeamCommand(TeamId.New()), CancellationToken.None, () =>
            ++attempts < 2 ? throw new ConstraintViolationException("pk_team_members", ConstraintKind.Unique, new Exception()) : Task.FromResult(Unit.Value));

        Assert.Equal(2, attempts);
    }

    [Theory]
    [InlineData("ux_deployments_host", "deployment.host_taken")]
    [InlineData("ux_organizations_slug", "org.slug_taken")]
    [InlineData("ux_deployments_team_name", "deployment.name_taken")]
    [InlineData("ux_client_domains_host", "client.domain_exists")]
    public async Task A_taken_name_the_client_chose_is_answered_at_once_with_its_code(string constraint, string code)
    {
        var attempts = 0;

        var error = await Assert.ThrowsAsync<ConstraintViolationException>(() => Behavior<DeleteTeamCommand>().Handle(new DeleteTeamCommand(TeamId.New()),
            CancellationToken.None, () => { attempts++; throw new ConstraintViolationException(constraint, ConstraintKind.Unique, new Exception()); }));

        Assert.Equal(1, attempts);
        Assert.Equal(code, error.Code);
        _db.DidNotReceive().DiscardChanges();
    }

    [Fact]
    public async Task A_transaction_aborted_for_a_concurrent_one_runs_again()
    {
        var attempts = 0;

        await Behavior<DeleteTeamCommand>().Handle(new DeleteTeamCommand(TeamId.New()), CancellationToken.None, () =>
            ++attempts < 2 ? throw new WriteConflictException(new Exception("deadlock detected")) : Task.FromResult(Unit.Value));

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_foreign_key_refusal_is_not_a_race_and_is_not_retried()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<ConstraintViolationException>(() => Behavior<DeleteTeamCommand>().Handle(new DeleteTeamCommand(TeamId.New()),
            CancellationToken.None, () => { attempts++; throw new ConstraintViolationException("fk_deployments_team", ConstraintKind.ForeignKey, new Exception()); }));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task After_the_last_attempt_the_conflict_reaches_the_caller()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => Behavior<DeleteTeamCommand>().Handle(
            new DeleteTeamCommand(TeamId.New()), CancellationToken.None, () => { attempts++; throw new DbUpdateConcurrencyException("lost"); }));

        Assert.Equal(RetryOnConflictBehavior<DeleteTeamCommand, Unit>.MaxAttempts, attempts);
    }

    [Fact]
    public async Task Queries_and_other_failures_are_not_retried()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => Behavior<string>().Handle(
            "not a command", CancellationToken.None, () => { attempts++; throw new DbUpdateConcurrencyException("lost"); }));
        await Assert.ThrowsAsync<RuleViolationException>(() => Behavior<DeleteTeamCommand>().Handle(
            new DeleteTeamCommand(TeamId.New()), CancellationToken.None, () => { attempts++; throw new RuleViolationException("x", "y"); }));

        Assert.Equal(2, attempts);
        _db.DidNotReceive().DiscardChanges();
    }
}
