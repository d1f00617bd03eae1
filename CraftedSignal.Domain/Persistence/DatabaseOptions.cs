namespace CraftedSignal.Domain.Persistence;

/// <summary>Configuration section "Database".</summary>
public sealed class DatabaseOptions
{
    /// <summary>Folder for the embedded SQLite database, relative to the content root unless absolute.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>File name of the embedded database inside <see cref="DataDirectory"/>.</summary>
    public string FileName { get; set; } = "craftedsignal.db";

    /// <summary>Seconds a command waits for a locked database before it fails (SQLite busy timeout).</summary>
    public int BusyTimeoutSeconds { get; set; } = 30;
}
