using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CraftedSignal.Domain.Persistence.Configurations;

internal sealed class TenantKeyConfiguration : IEntityTypeConfiguration<TenantKey>
{
    public void Configure(EntityTypeBuilder<TenantKey> builder)
    {
        // The company is the key: two first uses at once cannot both keep a tenant key.
        builder.HasKey(k => k.CompanyId);
        builder.Property(k => k.WrappedKey).HasMaxLength(CredentialKeyring.WrappedKeyBytes);
        // A rotation updates a key only if it is still under the secret it read it under.
        builder.Property(k => k.MasterKeyId).HasMaxLength(16).IsConcurrencyToken();
        builder.HasIndex(k => k.MasterKeyId);
        builder.HasOne<Company>().WithMany().HasForeignKey(k => k.CompanyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<Identity.UserSession>
{
    public void Configure(EntityTypeBuilder<Identity.UserSession> builder)
    {
        builder.ToTable("UserSessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.UserId).HasMaxLength(450);
        builder.Property(s => s.IpAddress).HasMaxLength(64);
        builder.Property(s => s.UserAgent).HasMaxLength(Identity.UserSession.UserAgentMaxLength);
        builder.Property(s => s.RevokedReason).HasMaxLength(200);
        builder.HasIndex(s => new { s.UserId, s.RevokedAt });
        // A user's sessions go with the user (erasure deletes the row).
        builder.HasOne<Identity.ApplicationUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
