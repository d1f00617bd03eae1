using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class RuleTestCaseConfiguration : IEntityTypeConfiguration<RuleTestCase>
{
    public void Configure(EntityTypeBuilder<RuleTestCase> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.HasIndex(c => c.RuleId);
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(c => c.RuleId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TestRunConfiguration : IEntityTypeConfiguration<TestRun>
{
    public void Configure(EntityTypeBuilder<TestRun> builder)
    {
        builder.Property(r => r.RequestedBy).HasMaxLength(256);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasIndex(r => new { r.RuleId, r.CreatedAt });
        builder.HasOne<DetectionRule>().WithMany().HasForeignKey(r => r.RuleId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(r => r.Results).WithOne().HasForeignKey(r => r.TestRunId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class TestResultConfiguration : IEntityTypeConfiguration<TestResult>
{
    public void Configure(EntityTypeBuilder<TestResult> builder)
    {
        builder.Property(r => r.CaseName).HasMaxLength(100);
        builder.Property(r => r.Message).HasMaxLength(2000);
    }
}
