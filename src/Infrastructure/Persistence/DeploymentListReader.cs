using System.Linq.Expressions;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Common;
using CleanScheduler.Domain.Deployments;
using Microsoft.EntityFrameworkCore;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// The deployment list as compiled queries: the expression is built, funcletized and translated once, where composing it
/// per request (the access filter's tree, EF's funcletizer and cache lookup) cost about a fifth of the request's CPU. The
/// first page at the default and the largest size is read with LIMIT written into the SQL: with the bound as a
/// parameter PostgreSQL plans the prepared statement anew on every execution (it never settles on the generic plan).
/// Other pages (a client chooses them) take their bounds as parameters: one statement text for all of them.
/// </summary>
public sealed class DeploymentListReader(AppDbContext db, ICurrentClient client, ICurrentUser caller) : IDeploymentListReader
{
    public async Task<List<DeploymentSummary>> ReadAsync(TeamGrant grant, DesiredState? state, DeploymentPhase? phase, int skip, int take,
        CancellationToken cancellationToken)
    {
        var (team, user, orgRoles, teamRoles) = Caller(grant);
        var queries = Shape.For(state, phase);
        var rows = skip == 0 && queries.FirstPages.TryGetValue(take, out var firstPage)
            ? firstPage(db, team, user, client.Id, caller.OrganizationLimit, orgRoles, teamRoles, state, phase)
            : queries.AnyPage(db, team, user, client.Id, caller.OrganizationLimit, orgRoles, teamRoles, state, phase, skip, take);
        var list = new List<DeploymentSummary>(take);
        await foreach (var row in rows.WithCancellation(cancellationToken)) list.Add(row.ToSummary());
        return list;
    }

    public Task<int> CountAsync(TeamGrant grant, DesiredState? state, DeploymentPhase? phase, CancellationToken cancellationToken)
    {
        var (team, user, orgRoles, teamRoles) = Caller(grant);
        return Shape.For(state, phase).Count(db, team, user, client.Id, caller.OrganizationLimit, orgRoles, teamRoles, state, phase, cancellationToken);
    }

    /// <summary>The client and organization limit are the request's: so must the grant's user be.</summary>
    private TeamGrant Caller(TeamGrant grant) => grant.User == caller.Id ? grant
        : throw new InvalidOperationException("A grant is read only in its own user's request.");

    /// <summary>
    /// The team's deployments, only when the user holds one of the granting roles on the team (as
    /// <see cref="AccessReader.ForTeamAsync"/> sees memberships: the organization of the request's client, within its
    /// organization limit). PostgreSQL runs the uncorrelated EXISTS once, as a one-time filter above the index scan.
    /// </summary>
    private static readonly Expression<Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>,
        DesiredState?, DeploymentPhase?, IQueryable<Deployment>>> Visible =
        (db, team, user, client, only, orgRoles, teamRoles, state, phase) => db.Deployments
            .AsNoTracking()
            .Where(d => d.TeamId == team
                && db.Teams.Any(t => t.Id == team && db.Organizations.Any(o => o.Id == t.OrganizationId && o.ClientId == client && o.Id == (only ?? o.Id)
                    && (o.Members.Any(m => m.UserId == user && orgRoles.Contains(m.Role))
                        || t.Members.Any(m => m.UserId == user && teamRoles.Contains(m.Role))))));

    private static readonly Expression<Func<Deployment, DesiredState?, bool>> InState = (d, state) => d.State == state;
    private static readonly Expression<Func<Deployment, DeploymentPhase?, bool>> InPhase = (d, phase) => d.Phase == phase;

    /// <summary>By name, with the template's name (the version's template exists: foreign key), as the API returns them.</summary>
    private static readonly Expression<Func<AppDbContext, IQueryable<Deployment>, IQueryable<Row>>> Summaries =
        (db, deployments) => deployments
            .Join(db.Templates, d => d.TemplateId, t => t.Id, (d, t) => new { Deployment = d, TemplateName = t.Name })
            .OrderBy(x => x.Deployment.Name)
            .Select(x => new Row(
                x.Deployment.Id, x.Deployment.TeamId, x.Deployment.Name, x.Deployment.State, x.Deployment.Phase,
                x.Deployment.Host, x.Deployment.TemplateId, x.TemplateName, x.Deployment.TemplateVersion,
                x.Deployment.CreatedBy, x.Deployment.CreatedAt, x.Deployment.UpdatedAt));

    /// <summary>The columns as EF reads them; the API's shape is made in C# (client calls in the projection cost EF more per execution).</summary>
    private sealed record Row(DeploymentId Id, TeamId TeamId, string Name, DesiredState State, DeploymentPhase Phase, string Host, TemplateId TemplateId,
        string TemplateName, int TemplateVersion, UserId CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public DeploymentSummary ToSummary() => new(Id.Value, TeamId.Value, Name, State.ToCode(), Phase.ToCode(), $"https://{Host}", TemplateId.Value,
            TemplateName, TemplateVersion, CreatedBy.Value, CreatedAt, UpdatedAt);
    }

    /// <summary>
    /// The compiled queries of one filter shape (state filter or not, phase filter or not): an absent filter is left out
    /// of the SQL rather than written as <c>d.state = COALESCE(NULL, d.state)</c>, which PostgreSQL's estimates took for
    /// a selective predicate (its CPU per list doubled).
    /// </summary>
    private sealed class Shape
    {
        private static readonly Shape[] All = [new(false, false), new(true, false), new(false, true), new(true, true)];

        public static Shape For(DesiredState? state, DeploymentPhase? phase) => All[(state is null ? 0 : 1) + (phase is null ? 0 : 2)];

        /// <summary>The first page at the default and the largest size, by rows read (one more than the page holds).</summary>
        public readonly Dictionary<int, Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>,
            DesiredState?, DeploymentPhase?, IAsyncEnumerable<Row>>> FirstPages;

        public readonly Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>, DesiredState?,
            DeploymentPhase?, int, int, IAsyncEnumerable<Row>> AnyPage;

        public readonly Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>, DesiredState?,
            DeploymentPhase?, CancellationToken, Task<int>> Count;

        private Shape(bool byState, bool byPhase)
        {
            var parameters = Visible.Parameters;   // db, team, user, client, only, orgRoles, teamRoles, state, phase
            var rows = Visible.Body;
            if (byState) rows = Call(nameof(Queryable.Where), typeof(Deployment), rows, Expression.Quote(Bind(InState, parameters[7])));
            if (byPhase) rows = Call(nameof(Queryable.Where), typeof(Deployment), rows, Expression.Quote(Bind(InPhase, parameters[8])));
            var summaries = new Substitution(new() { [Summaries.Parameters[0]] = parameters[0], [Summaries.Parameters[1]] = rows }).Visit(Summaries.Body);
            var skip = Expression.Parameter(typeof(int), "skip");
            var take = Expression.Parameter(typeof(int), "take");
            var cancellation = Expression.Parameter(typeof(CancellationToken), "cancellationToken");
            // First pages: LIMIT as a constant of the tree, which EF writes into the SQL (and caches per value).
            FirstPages = new[] { Paging.DefaultPageSize + 1, Paging.MaxPageSize + 1 }.ToDictionary(take => take, take => EF.CompileAsyncQuery(
                Expression.Lambda<Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>, IReadOnlyList<TeamRole>, DesiredState?,
                    DeploymentPhase?, IQueryable<Row>>>(Call(nameof(Queryable.Take), typeof(Row), summaries, Expression.Constant(take)), parameters)));
            AnyPage = EF.CompileAsyncQuery(Expression.Lambda<Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>,
                IReadOnlyList<TeamRole>, DesiredState?, DeploymentPhase?, int, int, IQueryable<Row>>>(
                Call(nameof(Queryable.Take), typeof(Row), Call(nameof(Queryable.Skip), typeof(Row), summaries, skip), take),
                [.. parameters, skip, take]));
            Count = EF.CompileAsyncQuery(Expression.Lambda<Func<AppDbContext, TeamId, UserId, ClientId?, OrganizationId?, IReadOnlyList<OrgRole>,
                IReadOnlyList<TeamRole>, DesiredState?, DeploymentPhase?, CancellationToken, int>>(
                Call(nameof(Queryable.Count), typeof(Deployment), rows), [.. parameters, cancellation]));
        }

        private static MethodCallExpression Call(string method, Type element, params Expression[] arguments) =>
            Expression.Call(typeof(Queryable), method, [element], arguments);

        /// <summary><c>d => filter(d, value)</c>, the value being a parameter of the compiled query.</summary>
        private static Expression<Func<Deployment, bool>> Bind<T>(Expression<Func<Deployment, T, bool>> filter, ParameterExpression value) =>
            Expression.Lambda<Func<Deployment, bool>>(new Substitution(new() { [filter.Parameters[1]] = value }).Visit(filter.Body), filter.Parameters[0]);
    }

    /// <summary>Replaces parameters of one lambda's body by expressions of another.</summary>
    private sealed class Substitution(Dictionary<ParameterExpression, Expression> replacements) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => replacements.GetValueOrDefault(node) ?? node;
    }
}
