using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class DetectionRuleConfiguration : IEntityTypeConfiguration<DetectionRule>
{
    public void Configure(EntityTypeBuilder<DetectionRule> builder)
    {
        builder.Property(r => r.Title).HasMaxLength(256);
        builder.Property(r => r.Description).HasMaxLength(4000);
        builder.Property(r => r.SigmaId).HasMaxLength(64);
        builder.Property(r => r.Level).HasMaxLength(16);
        builder.Property(r => r.Status).HasMaxLength(32);
        builder.Property(r => r.LogSourceProduct).HasMaxLength(64);
        builder.Property(r => r.LogSourceCategory).HasMaxLength(64);
        builder.Property(r => r.LogSourceService).HasMaxLength(64);
        builder.Property(r => r.OwnerUserId).HasMaxLength(450);
        builder.Property(r => r.OwnerName).HasMaxLength(256);
        builder.Property(r => r.ArchivedBy).HasMaxLength(256);
        builder.HasOne<Company>().WithMany().HasForeignKey(r => r.CompanyId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Tags).WithOne().HasForeignKey(t => t.RuleId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.CompanyId, r.UpdatedAt });
        builder.HasIndex(r => new { r.CompanyId, r.Lifecycle });
        builder.HasIndex(r => new { r.CompanyId, r.SigmaId });
    }
}

internal sealed class RuleVersionConfiguration : IEntityTypeConfiguration<RuleVersion>
{
    public void Configure(EntityTypeBuilder<RuleVersion> builder)
    {
        builder.Property(v => v.ContentSha256).HasMaxLength(64);
        builder.Property(v => v.AuthorUserId).HasMaxLength(450);
        builder.Property(v => v.AuthorName).HasMaxLength(256);
        builder.Property(v => v.RecordedByUserId).HasMaxLength(450);
        builder.Property(v => v.RecordedByName).HasMaxLength(256);
        builder.Property(v => v.Message).HasMaxLength(1000);
        builder.Property(v => v.SourceName).HasMaxLength(256);
        builder.Property(v => v.SourceUrl).HasMaxLength(2048);
        builder.Property(v => v.SourceSha256).HasMaxLength(64);
        builder.HasIndex(v => new { v.RuleId, v.Number }).IsUnique();
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(v => v.RuleId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RuleTagConfiguration : IEntityTypeConfiguration<RuleTag>
{
    public void Configure(EntityTypeBuilder<RuleTag> builder)
    {
        builder.HasKey(t => new { t.RuleId, t.Tag });
        builder.Property(t => t.Tag).HasMaxLength(128);
        builder.HasIndex(t => new { t.CompanyId, t.Tag });

        // The library joins and filters tags per rule under the tenant filter (RuleId = ? AND CompanyId = ?). Without this
        // index SQLite picks (CompanyId, Tag) and reads every tag of the company for each rule.
        builder.HasIndex(t => new { t.RuleId, t.CompanyId });
    }
}
