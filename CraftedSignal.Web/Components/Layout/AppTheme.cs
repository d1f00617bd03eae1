using MudBlazor;

namespace CraftedSignal.Web.Components.Layout;

/// <summary>The product's MudBlazor theme, light and dark.</summary>
public static class AppTheme
{
    private static readonly string[] FontStack = ["Inter", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#4338CA",
            Secondary = "#0E7490",
            Tertiary = "#7C3AED",
            Info = "#0369A1",
            Success = "#15803D",
            Warning = "#B45309",
            Error = "#B91C1C",
            AppbarBackground = "#FFFFFF",
            AppbarText = "#1E293B",
            Background = "#F8FAFC",
            Surface = "#FFFFFF",
            DrawerBackground = "#FFFFFF",
            DrawerText = "#334155",
            DrawerIcon = "#475569",
            TextPrimary = "#0F172A",
            TextSecondary = "#475569",
            LinesDefault = "#E2E8F0",
            TableLines = "#E2E8F0",
            Divider = "#E2E8F0",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#818CF8",
            Secondary = "#22D3EE",
            Tertiary = "#A78BFA",
            Info = "#38BDF8",
            Success = "#4ADE80",
            Warning = "#FBBF24",
            Error = "#F87171",
            AppbarBackground = "#0F172A",
            AppbarText = "#E2E8F0",
            Background = "#0B1120",
            Surface = "#111827",
            DrawerBackground = "#0F172A",
            DrawerText = "#CBD5E1",
            DrawerIcon = "#94A3B8",
            TextPrimary = "#F1F5F9",
            TextSecondary = "#94A3B8",
            LinesDefault = "#1E293B",
            TableLines = "#1E293B",
            Divider = "#1E293B",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack },
            H4 = new H4Typography { FontFamily = FontStack, FontSize = "1.75rem", FontWeight = "600", LineHeight = "1.3" },
            H5 = new H5Typography { FontFamily = FontStack, FontSize = "1.35rem", FontWeight = "600" },
            H6 = new H6Typography { FontFamily = FontStack, FontSize = "1.05rem", FontWeight = "600" },
            Button = new ButtonTypography { FontFamily = FontStack, TextTransform = "none", FontWeight = "600" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "248px" },
    };
}
