using CraftedSignal.Domain.Rules;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor.Services;

namespace CraftedSignal.Web.Cli;

/// <summary>Renders one page of the rules page's <see cref="RuleGrid"/> to HTML with <see cref="HtmlRenderer"/>, the way the server prerenders it.</summary>
internal sealed class RuleGridRenderer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly HtmlRenderer _renderer;

    public RuleGridRenderer()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMudServices();
        services.AddSingleton<IJSRuntime, NoJavaScript>();
        services.AddSingleton<NavigationManager, BenchNavigationManager>();
        _services = services.BuildServiceProvider();
        _renderer = new HtmlRenderer(_services, _services.GetRequiredService<ILoggerFactory>());
    }

    public Task<string> RenderAsync(IReadOnlyList<RuleRow> rows) => _renderer.Dispatcher.InvokeAsync(async () =>
    {
        var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
        {
            [nameof(RuleGrid.Items)] = rows,
            [nameof(RuleGrid.RowsPerPage)] = rows.Count,
        });
        var output = await _renderer.RenderComponentAsync<RuleGrid>(parameters);
        return output.ToHtmlString();
    });

    public async ValueTask DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _services.DisposeAsync();
    }

    /// <summary>Prerendering has no browser: interop calls do nothing, as they cannot run before the circuit starts.</summary>
    private sealed class NoJavaScript : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => ValueTask.FromResult(default(TValue)!);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) => ValueTask.FromResult(default(TValue)!);
    }

    private sealed class BenchNavigationManager : NavigationManager
    {
        public BenchNavigationManager() => Initialize("http://localhost/", "http://localhost/rules");

        protected override void NavigateToCore(string uri, NavigationOptions options)
        {
        }
    }
}
