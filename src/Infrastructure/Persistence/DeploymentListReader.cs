using System.Text;
using CleanScheduler.Application.Common;
using CleanScheduler.Application.Features.Deployments;
using CleanScheduler.Domain.Authorization;
using CleanScheduler.Domain.Deployments;
using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// The deployment list, read with Npgsql straight into the API's rows: the list is the API's busiest read, and EF Core's
/// per-execution work (its compiled-query executor builds a shaper delegate on every call, then materializes through it)
/// was the largest managed cost left on the request (bench/README.md). The statement is the one EF compiled before (apart
/// from the select list, below), and
/// the access rules are <see cref="AccessReader.ForTeamAsync"/>'s: rows come back only where the user holds one of the
/// grant's roles on the team or its organization, in the organization of the request's client and within the request's
/// organization limit.
/// <para>
/// One statement text per shape (state filter or not, phase filter or not, client or none, organization limit or none):
/// an absent filter is left out of the SQL rather than written as <c>d.state = COALESCE(NULL, d.state)</c>, which
/// PostgreSQL's estimates took for a selective predicate (its CPU per list doubled). The first page at the default and
/// the largest size has LIMIT written into the SQL: with the bound as a parameter PostgreSQL plans the prepared statement
/// anew on every execution. Other pages (a client chooses them) take their bounds as parameters: one text for all.
/// </para>
/// </summary>
public sealed class DeploymentListReader(NpgsqlDataSource dataSource, ICurrentClient client, ICurrentUser caller) : IDeploymentListReader
{
    /// <summary>
    /// The row's columns, shaped so that fewer strings are read only to be dropped (a quarter of the list's allocations):
    /// the state as "is it stopped" (<see cref="AppDbContext.StateOfColumn"/>'s reading: anything else is running), the
    /// URL made by PostgreSQL, and the template's name read once per template of the page.
    /// </summary>
    private const string Columns =
        "d.id, d.team_id, d.name, d.state = 'stopped', d.phase, 'https://' || d.host, d.template_id, t1.name, d.template_version, d.created_by, d.created_at, d.updated_at";

    public async Task<List<DeploymentSummary>> ReadAsync(TeamGrant grant, DesiredState? state, DeploymentPhase? phase, int skip, int take,
        CancellationToken cancellationToken)
    {
        var shape = ShapeOf(grant, state, phase);
        var firstPage = skip == 0 ? Array.IndexOf(FirstPageSizes, take) : -1;
        await using var command = dataSource.CreateCommand(firstPage >= 0 ? FirstPages[firstPage][shape] : AnyPages[shape]);
        AddFilter(command, grant, state, phase);
        if (firstPage < 0)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = skip });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeploymentSummary>(take);
        var templateNames = new Dictionary<Guid, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var templateId = reader.GetGuid(6);
            if (!templateNames.TryGetValue(templateId, out var templateName)) templateNames.Add(templateId, templateName = reader.GetString(7));
            list.Add(new DeploymentSummary(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2),
                (reader.GetBoolean(3) ? DesiredState.Stopped : DesiredState.Running).ToCode(), DeploymentCodes.ParsePhase(reader.GetString(4)).ToCode(),
                reader.GetString(5), templateId, templateName, reader.GetInt32(8), reader.GetGuid(9), reader.GetFieldValue<DateTimeOffset>(10),
                reader.GetFieldValue<DateTimeOffset>(11)));
        }
        return list;
    }

    public async Task<int> CountAsync(TeamGrant grant, DesiredState? state, DeploymentPhase? phase, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Counts[ShapeOf(grant, state, phase)]);
        AddFilter(command, grant, state, phase);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The statement's shape: which of the optional conditions it holds (bits: state, phase, client, organization limit).</summary>
    private int ShapeOf(TeamGrant grant, DesiredState? state, DeploymentPhase? phase)
    {
        // The client and organization limit are the request's: so must the grant's user be.
        if (grant.User != caller.Id) throw new InvalidOperationException("A grant is read only in its own user's request.");
        return (state is null ? 0 : 1) | (phase is null ? 0 : 2) | (client.Id is null ? 0 : 4) | (caller.OrganizationLimit is null ? 0 : 8);
    }

    /// <summary>The parameters in the order <see cref="Statement"/> numbers them.</summary>
    private void AddFilter(NpgsqlCommand command, TeamGrant grant, DesiredState? state, DeploymentPhase? phase)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = grant.Team.Value });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = grant.User.Value });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. grant.OrgRoles.Select(RoleCodes.ToCode)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. grant.TeamRoles.Select(RoleCodes.ToCode)] });
        if (client.Id is { } clientId) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = clientId.Value });
        if (caller.OrganizationLimit is { } only) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = only.Value });
        if (state is { } s) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = s.ToCode() });
        if (phase is { } p) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = p.ToCode() });
    }

    /// <summary>Rows read for a first page (one more than the page holds): the default and the largest size.</summary>
    private static readonly int[] FirstPageSizes = [Paging.DefaultPageSize + 1, Paging.MaxPageSize + 1];

    private static readonly string[][] FirstPages = [.. FirstPageSizes.Select(rows => Shapes(shape => Statement(shape, $"LIMIT {rows}")))];
    private static readonly string[] AnyPages = Shapes(shape => Statement(shape, $"LIMIT ${Parameters(shape) + 2} OFFSET ${Parameters(shape) + 1}"));
    private static readonly string[] Counts = Shapes(shape => Statement(shape, null));

    private static string[] Shapes(Func<int, string> statement) => [.. Enumerable.Range(0, 16).Select(statement)];

    private static int Parameters(int shape) => 4 + int.PopCount(shape);

    /// <summary>
    /// The team's deployments (or their count when <paramref name="page"/> is null), only when the user holds one of the
    /// granting roles: PostgreSQL runs the uncorrelated EXISTS once, as a one-time filter above the index scan on team_id.
    /// Parameters: $1 team, $2 user, $3 organization roles, $4 team roles, then client, organization limit, state, phase
    /// as the shape holds them, then OFFSET and LIMIT of any page.
    /// </summary>
    private static string Statement(int shape, string? page)
    {
        var next = 5;
        string Condition(int bit, string sql) => (shape & bit) == 0 ? "" : sql.Replace("$?", "$" + next++);
        var client = Condition(4, "o.client_id = $?");
        var only = Condition(8, " AND o.id = $?");
        var state = Condition(1, " AND d.state = $?");
        var phase = Condition(2, " AND d.phase = $?");
        var sql = new StringBuilder()
            .Append(page is null ? "SELECT count(*) FROM deployments AS d" : $"SELECT {Columns} FROM deployments AS d INNER JOIN templates AS t1 ON d.template_id = t1.id")
            .Append(" WHERE d.team_id = $1").Append(state).Append(phase)
            .Append(" AND EXISTS (SELECT 1 FROM teams AS t WHERE t.id = $1 AND EXISTS (SELECT 1 FROM organizations AS o WHERE o.id = t.organization_id AND ")
            .Append(client.Length > 0 ? client : "o.client_id IS NULL").Append(only)
            .Append(" AND (EXISTS (SELECT 1 FROM organization_members AS o0 WHERE o0.organization_id = o.id AND o0.user_id = $2 AND o0.role = ANY ($3))")
            .Append(" OR EXISTS (SELECT 1 FROM team_members AS t0 WHERE t0.team_id = t.id AND t0.user_id = $2 AND t0.role = ANY ($4)))))");
        if (page is not null) sql.Append(" ORDER BY d.name ").Append(page);
        return sql.ToString();
    }
}
