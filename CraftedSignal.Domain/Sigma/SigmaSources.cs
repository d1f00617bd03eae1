namespace CraftedSignal.Domain.Sigma;

/// <summary>A Sigma file found under a path argument, with the path to show for it.</summary>
public sealed record SigmaSource(string FullPath, string DisplayPath);

/// <summary>Finds .yml/.yaml files: files as given, folders searched recursively (following symlinks, without looping).</summary>
public static class SigmaSources
{
    /// <summary>
    /// Parses every source, in order, on as many threads as the process may use (a process pinned to one core parses on
    /// one): files are independent, and the YAML reading dominates a command over a whole corpus.
    /// </summary>
    public static List<SigmaFile> ParseAll(IReadOnlyList<SigmaSource> sources)
    {
        var files = new SigmaFile[sources.Count];
        Parallel.For(0, sources.Count, i => files[i] = Parsing.SigmaParser.ParseFile(sources[i].FullPath, sources[i].DisplayPath));
        return [.. files];
    }

    public static IReadOnlyList<SigmaSource> Find(IEnumerable<string> arguments, Action<string> onMissing)
    {
        var found = new List<SigmaSource>();
        foreach (var argument in arguments)
        {
            if (File.Exists(argument))
            {
                found.Add(new SigmaSource(Path.GetFullPath(argument), argument));
            }
            else if (Directory.Exists(argument))
            {
                var root = Path.GetFullPath(argument);
                var visited = new HashSet<string>(StringComparer.Ordinal);
                Walk(new DirectoryInfo(root), root, visited, found);
            }
            else
            {
                onMissing(argument);
            }
        }

        return found;
    }

    private static void Walk(DirectoryInfo directory, string root, HashSet<string> visited, List<SigmaSource> found)
    {
        var real = directory.ResolveLinkTarget(true)?.FullName ?? directory.FullName;
        if (!visited.Add(real))
        {
            return;
        }

        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var entry in entries)
        {
            if (entry is DirectoryInfo child)
            {
                Walk(child, root, visited, found);
            }
            else if (entry.Name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || entry.Name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
            {
                if (entry.LinkTarget is not null && !File.Exists(entry.FullName))
                {
                    continue;
                }

                found.Add(new SigmaSource(entry.FullName, Path.GetRelativePath(root, entry.FullName).Replace('\\', '/')));
            }
        }
    }
}
