using System.Diagnostics;
using System.Text;

namespace CraftedSignal.Tests.Identity;

/// <summary>Runs the reference C implementation's CLI (Debian package <c>argon2</c>) and returns its PHC string.</summary>
internal static class ReferenceArgon2Cli
{
    private const string Executable = "/usr/bin/argon2";

    public static string Encode(string password, string salt, int iterations, int memoryKiB, int parallelism, int hashBytes)
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException(
                $"{Executable} is missing: install the reference implementation with `apt-get install -y argon2` (test.sh does this).");

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { salt, "-id", "-t", $"{iterations}", "-k", $"{memoryKiB}", "-p", $"{parallelism}", "-l", $"{hashBytes}", "-e" })
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        // Like `echo -n PASSWORD |`: the exact UTF-8 bytes, no trailing newline.
        process.StandardInput.BaseStream.Write(Encoding.UTF8.GetBytes(password));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output.Trim()
            : throw new InvalidOperationException($"{Executable} exited with {process.ExitCode}: {error}");
    }
}
