using System.Text.Json;
using CleanScheduler.Domain.Organizations;
using CleanScheduler.Domain.Tasks;
using CleanScheduler.Domain.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CleanScheduler.Infrastructure.Persistence;

/// <summary>
/// Tasks and workflows (migration 0018): what they run and what the cluster reported, as jsonb. The sync columns
/// (published_revision, sync_attempts, next_sync_at, last_sync_error) are the outbox's, written only by <see cref="TaskOutboxStore"/>.
/// </summary>
public sealed class TaskRunConfiguration : IEntityTypeConfiguration<TaskRun>
{
    public void Configure(EntityTypeBuilder<TaskRun> task)
    {
        task.ToTable("tasks");
        task.HasKey(t => t.Id);
        task.Property(t => t.Id).HasConversion(id => id.Value, v => new TaskRunId(v));
        task.Property(t => t.Version).IsRowVersion();
        task.Property(t => t.Kind).HasConversion(k => k.ToCode(), v => TaskCodes.ParseKind(v));
        task.Property(t => t.Phase).HasConversion(p => p.ToCode(), v => Enum.Parse<TaskPhase>(v));
        task.Property(t => t.Steps).HasConversion(Json<IReadOnlyList<TaskStep>>()).HasColumnType("jsonb").Metadata.SetValueComparer(Comparer<IReadOnlyList<TaskStep>>());
        task.Property(t => t.StepReports).HasConversion(Json<IReadOnlyList<StepReport>>()).HasColumnType("jsonb").Metadata.SetValueComparer(Comparer<IReadOnlyList<StepReport>>());
        task.Property(t => t.Output).HasConversion(Json<IReadOnlyDictionary<string, string>?>()!).HasColumnType("jsonb")
            .Metadata.SetValueComparer(Comparer<IReadOnlyDictionary<string, string>>());
        task.Ignore(t => t.IsFinished);
        task.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        task.HasOne<Team>().WithMany().HasForeignKey(t => t.TeamId).OnDelete(DeleteBehavior.Cascade);
    }

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Json<T>() where T : class? =>
        new(value => JsonSerializer.Serialize(value, JsonSerializerOptions.Web), json => JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web)!);

    /// <summary>Immutable values compared by their JSON: a new list or map is a change, the same content is not.</summary>
    private static ValueComparer<T> Comparer<T>() where T : class? => new(
        (a, b) => a == null ? b == null : b != null && JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web),
        value => JsonSerializer.Serialize(value, JsonSerializerOptions.Web).GetHashCode(),
        value => value);
}
