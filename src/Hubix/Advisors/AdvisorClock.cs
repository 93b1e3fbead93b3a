using System.Collections.Concurrent;

namespace Hubix.Advisors;

/// <summary>An advisor's local time. Zones are validated on input; an unknown one falls back to Asia/Kolkata.</summary>
public static class AdvisorClock
{
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    public static TimeZoneInfo Zone(string? id) => Zones.GetOrAdd(string.IsNullOrWhiteSpace(id) ? AdvisorImport.DefaultTimeZone : id, static z =>
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(z);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.FindSystemTimeZoneById(AdvisorImport.DefaultTimeZone);
        }
    });

    public static DateTime LocalNow(string? zone, DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone(zone));

    public static DateOnly LocalDate(string? zone, DateTime utc) => DateOnly.FromDateTime(LocalNow(zone, utc));

    /// <summary>The UTC instant of a local wall-clock time (a time skipped by a DST jump moves forward an hour).</summary>
    public static DateTime ToUtc(string? zone, DateOnly date, TimeOnly at)
    {
        var tz = Zone(zone);
        var local = date.ToDateTime(at, DateTimeKind.Unspecified);
        if (tz.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, tz);
    }
}
