using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class ApprovalRequestConfiguration : IEntityTypeConfiguration<ApprovalRequest>
{
    public void Configure(EntityTypeBuilder<ApprovalRequest> builder)
    {
        builder.Property(r => r.RuleTitle).HasMaxLength(256);
        builder.Property(r => r.RequestedByUserId).HasMaxLength(450);
        builder.Property(r => r.RequestedByName).HasMaxLength(256);
        builder.Property(r => r.Message).HasMaxLength(2000);
        builder.HasIndex(r => new { r.CompanyId, r.Status, r.CreatedAt });
        builder.HasIndex(r => new { r.RuleId, r.RuleVersion });
        builder.Property(r => r.ConcurrencyStamp).IsConcurrencyToken();

        // Reviews and decisions are evidence: the database refuses to delete a rule or a request that has them.
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(r => r.Decisions).WithOne().HasForeignKey(d => d.RequestId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class ReviewDecisionConfiguration : IEntityTypeConfiguration<ReviewDecision>
{
    public void Configure(EntityTypeBuilder<ReviewDecision> builder)
    {
        builder.Property(d => d.ReviewerUserId).HasMaxLength(450);
        builder.Property(d => d.ReviewerName).HasMaxLength(256);
        builder.Property(d => d.Comment).HasMaxLength(4000);

        // Each reviewer decides a request once: approvals are counted by unique reviewer, even under concurrent clicks.
        builder.HasIndex(d => new { d.RequestId, d.ReviewerUserId }).IsUnique();
    }
}
