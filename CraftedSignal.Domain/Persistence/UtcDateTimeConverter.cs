using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CraftedSignal.Domain.Persistence;

/// <summary>Stores every DateTime as UTC and reads it back marked as UTC.</summary>
internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
