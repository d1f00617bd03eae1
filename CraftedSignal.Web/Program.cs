using CraftedSignal.Web;
using CraftedSignal.Web.Cli;

if (CliVerbs.IsVerb(args))
    return await CliVerbs.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
builder.AddCraftedSignalWeb();

var app = builder.Build();
await app.MigrateDatabaseAsync();
app.UseCraftedSignal();
await app.RunAsync();
return 0;

/// <summary>The web host's entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
