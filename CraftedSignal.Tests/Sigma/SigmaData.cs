namespace CraftedSignal.Tests.Sigma;

/// <summary>Finds the shared Sigma reference data (<c>../shared/sigma</c> next to the repository root).</summary>
internal static class SigmaData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Rules => Path.Combine(Root, "rules");

    public static string Regression => Path.Combine(Root, "regression");

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "sigma");
            if (Directory.Exists(Path.Combine(candidate, "rules")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"This test needs the SigmaHQ reference data in ../shared/sigma (rules/, regression/, golden/) beside the repository, and it was not found above {AppContext.BaseDirectory}. Check out shared/ next to the repository's folder.");
    }
}
