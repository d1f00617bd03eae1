using CraftedSignal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.HasIndex(e => new { e.ChainId, e.Sequence }).IsUnique();
        builder.HasIndex(e => new { e.CompanyId, e.Timestamp });
        builder.Property(e => e.ActorUserId).HasMaxLength(450);
        builder.Property(e => e.ActorName).HasMaxLength(256);
        builder.Property(e => e.Action).HasMaxLength(64);
        builder.Property(e => e.TargetType).HasMaxLength(64);
        builder.Property(e => e.TargetId).HasMaxLength(450);
        builder.Property(e => e.IpAddress).HasMaxLength(64);
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
    }
}

internal sealed class AuditChainCheckConfiguration : IEntityTypeConfiguration<AuditChainCheck>
{
    public void Configure(EntityTypeBuilder<AuditChainCheck> builder)
    {
        builder.HasKey(c => c.ChainId);
        builder.Property(c => c.Problem).HasMaxLength(500);
        builder.Ignore(c => c.IsIntact);
        builder.HasIndex(c => c.CompanyId);
    }
}
