using CraftedSignal.Domain.Rules;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CraftedSignal.Web.Components.Pages.Rules;

/// <summary>
/// The rule library's grid: its columns, sorting and pager. The rules page feeds it from the server and
/// <c>rules bench</c> renders it with one page of rows, so the benchmark times what users see.
/// </summary>
public sealed partial class RuleGrid
{
    private MudDataGrid<RuleRow>? _grid;

    /// <summary>Loads each page, sorted, on the server. Give this or <see cref="Items"/>, not both.</summary>
    [Parameter]
    public Func<GridState<RuleRow>, CancellationToken, Task<GridData<RuleRow>>>? ServerData { get; set; }

    /// <summary>Rows already loaded, sorted and paged in memory. Give this or <see cref="ServerData"/>, not both.</summary>
    [Parameter]
    public IReadOnlyList<RuleRow>? Items { get; set; }

    /// <summary>Rows on the first page; the pager offers 25, 50 and 100.</summary>
    [Parameter]
    public int RowsPerPage { get; set; } = 25;

    /// <summary>Shown in place of the rows when there are none.</summary>
    [Parameter]
    public RenderFragment? NoRecordsContent { get; set; }

    /// <summary>Asks <see cref="ServerData"/> for the current page again, after the filters or the rules changed.</summary>
    public Task ReloadServerDataAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;
}
