namespace Hubix.Kernel;

/// <summary>Local days in a time zone, as UTC ranges.</summary>
public static class LocalDay
{
    public static DateOnly Of(DateTime utc, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone));

    public static DateTime StartUtc(DateOnly date, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);

    public static DateOnly Today(TimeProvider time, TimeZoneInfo zone) => Of(time.GetUtcNow().UtcDateTime, zone);
}
