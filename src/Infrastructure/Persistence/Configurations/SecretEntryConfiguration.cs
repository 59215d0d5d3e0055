using CleanScheduler.Domain.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CleanScheduler.Infrastructure.Persistence.Configurations;

/// <summary>The <c>secrets</c> table of migration 0016: keys per tier, never values.</summary>
public sealed class SecretEntryConfiguration : IEntityTypeConfiguration<SecretEntry>
{
    public void Configure(EntityTypeBuilder<SecretEntry> secret)
    {
        secret.ToTable("secrets");
        secret.HasKey(s => s.Id);
        secret.Ignore(s => s.Version);
    }
}
