using CraftedSignal.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class WorkItemConfiguration : IEntityTypeConfiguration<WorkItem>
{
    public void Configure(EntityTypeBuilder<WorkItem> builder)
    {
        builder.Property(w => w.Kind).HasMaxLength(64);
        builder.Property(w => w.Summary).HasMaxLength(2000);
        builder.Property(w => w.Error).HasMaxLength(2000);
        builder.HasIndex(w => w.Status);
        builder.HasIndex(w => new { w.Kind, w.Status });
    }
}
