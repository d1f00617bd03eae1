using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Targets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class SandboxEventConfiguration : IEntityTypeConfiguration<SandboxEvent>
{
    public void Configure(EntityTypeBuilder<SandboxEvent> builder)
    {
        builder.HasIndex(e => new { e.TargetId, e.Index }).IsUnique();
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(e => e.TargetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SandboxAlertConfiguration : IEntityTypeConfiguration<SandboxAlert>
{
    public void Configure(EntityTypeBuilder<SandboxAlert> builder)
    {
        builder.Property(a => a.Selections).HasMaxLength(2000);
        builder.HasIndex(a => new { a.TargetId, a.RuleId });
        builder.HasIndex(a => new { a.RuleId, a.CreatedAt });
        builder.HasIndex(a => new { a.CompanyId, a.CreatedAt });
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(a => a.TargetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SandboxRunConfiguration : IEntityTypeConfiguration<SandboxRun>
{
    public void Configure(EntityTypeBuilder<SandboxRun> builder)
    {
        builder.Property(r => r.RequestedBy).HasMaxLength(256);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasIndex(r => new { r.TargetId, r.CreatedAt });
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(r => r.TargetId).OnDelete(DeleteBehavior.Cascade);
    }
}
