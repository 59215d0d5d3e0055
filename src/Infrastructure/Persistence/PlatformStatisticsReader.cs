using CleanScheduler.Application.Common;
using CleanScheduler.Domain.Deployments;
using Npgsql;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary><see cref="IPlatformStatisticsReader"/> on PostgreSQL: one batch of three aggregates; ages are computed by the database clock.</summary>
public sealed class PlatformStatisticsReader(NpgsqlDataSource dataSource) : IPlatformStatisticsReader
{
    public async Task<PlatformStatistics> ReadAsync(CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT phase, count(*) FROM deployments GROUP BY phase"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM cluster_outbox"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var phases = Enum.GetValues<DeploymentPhase>().ToDictionary(p => p, _ => 0L);
        while (await reader.ReadAsync(cancellationToken))
            phases[DeploymentCodes.ParsePhase(reader.GetString(0))] = reader.GetInt64(1);
        var cluster = await BacklogAsync(reader, cancellationToken);
        var mail = await BacklogAsync(reader, cancellationToken);
        return new PlatformStatistics(phases, cluster, mail);
    }

    private static async Task<OutboxBacklog> BacklogAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxBacklog(reader.GetInt64(0), TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(1))));
    }
}
