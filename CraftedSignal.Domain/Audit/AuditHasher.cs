using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace CraftedSignal.Domain.Audit;

/// <summary>The canonical form of an entry and its SHA-256, shared by the writer and the verifier.</summary>
public static class AuditHasher
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(AuditEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStringValue(entry.ChainId.ToString("D"));
            json.WriteStringValue(entry.CompanyId?.ToString("D"));
            json.WriteNumberValue(entry.Sequence);
            json.WriteStringValue(entry.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteStringValue(entry.ActorUserId);
            json.WriteStringValue(entry.ActorName);
            json.WriteStringValue(entry.Action);
            json.WriteStringValue(entry.TargetType);
            json.WriteStringValue(entry.TargetId);
            json.WriteStringValue(entry.Details);
            json.WriteStringValue(entry.IpAddress);
            json.WriteStringValue(entry.PreviousHash);
            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <summary>Truncates to whole microseconds, the finest precision PostgreSQL keeps.</summary>
    public static DateTime Normalize(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
}
