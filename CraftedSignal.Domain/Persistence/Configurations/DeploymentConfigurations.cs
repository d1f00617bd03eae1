using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class SiemTargetConfiguration : IEntityTypeConfiguration<SiemTarget>
{
    public void Configure(EntityTypeBuilder<SiemTarget> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(SiemTarget.NameMaxLength);
        builder.HasIndex(t => new { t.CompanyId, t.Name }).IsUnique();
    }
}

internal sealed class DeploymentConfiguration : IEntityTypeConfiguration<Deployment>
{
    public void Configure(EntityTypeBuilder<Deployment> builder)
    {
        builder.Property(d => d.ContentSha256).HasMaxLength(64);
        builder.Property(d => d.RequestedBy).HasMaxLength(256);
        builder.Property(d => d.Error).HasMaxLength(2000);
        builder.HasIndex(d => new { d.RuleId, d.CreatedAt });
        builder.HasIndex(d => new { d.TargetId, d.Live });
        builder.HasIndex(d => new { d.RuleId, d.TargetId, d.Live });
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(d => d.RuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(d => d.TargetId).OnDelete(DeleteBehavior.Restrict);
    }
}
