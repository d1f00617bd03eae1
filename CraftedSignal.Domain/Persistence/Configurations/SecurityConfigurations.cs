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
