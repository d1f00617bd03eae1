using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class SiemTargetConfiguration : IEntityTypeConfiguration<SiemTarget>
{
    public void Configure(EntityTypeBuilder<SiemTarget> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(SiemTarget.NameMaxLength);
        builder.HasIndex(t => new { t.CompanyId, t.Name }).IsUnique();
        builder.Property(t => t.Settings).HasMaxLength(TargetSettings.MaxJsonLength);
        builder.Property(t => t.Pipeline).HasMaxLength(100);
        builder.Property(t => t.PipelineYaml).HasMaxLength(TargetService.MaxPipelineYamlLength);
    }
}

internal sealed class TargetSecretConfiguration : IEntityTypeConfiguration<TargetSecret>
{
    public void Configure(EntityTypeBuilder<TargetSecret> builder)
    {
        builder.Property(s => s.Field).HasMaxLength(TargetSecret.FieldMaxLength);
        builder.Property(s => s.ReplacedByName).HasMaxLength(256);
        builder.HasIndex(s => new { s.TargetId, s.Field }).IsUnique();
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(s => s.TargetId).OnDelete(DeleteBehavior.Cascade);
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
        builder.HasIndex(d => d.BatchId);
        builder.HasIndex(d => new { d.CompanyId, d.CreatedAt });
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(d => d.RuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<SiemTarget>().WithMany().HasForeignKey(d => d.TargetId).OnDelete(DeleteBehavior.Restrict);
    }
}
