using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Domain.Persistence;

/// <summary>Lets <c>dotnet ef</c> build the model without starting the web host.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args)
    {
        var services = new ServiceCollection().Configure<IdentityOptions>(AppDbContext.ConfigureIdentitySchema).BuildServiceProvider();
        return new(new DbContextOptionsBuilder<AppDbContext>()
            .UseSqlite("Data Source=design-time.db")
            .UseApplicationServiceProvider(services)
            .Options);
    }
}
