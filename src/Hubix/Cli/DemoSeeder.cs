using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;

namespace Hubix.Cli;

/// <summary>Five demo advisors and the sample library, re-dated so that the first sample day is today.</summary>
public static class DemoSeeder
{
    public static readonly IReadOnlyList<AdvisorInput> Advisors =
    [
        new("919800000001", "Priya Sharma", "Asia/Kolkata", "en", ""),
        new("919800000002", "Rahul Verma", "Asia/Kolkata", "en", ""),
        new("919800000003", "Ananya Iyer", "Asia/Kolkata", "en", ""),
        new("919800000004", "Vikram Singh", "Asia/Kolkata", "hi", ""),
        new("919800000005", "Fatima Sheikh", "Asia/Dubai", "en", ""),
    ];

    /// <summary>
    /// Upserts the demo advisors and imports <paramref name="contentDir"/> (YYYY-MM-DD/pack.json folders) shifted so
    /// the earliest folder lands on today's date in Asia/Kolkata. Returns the pack ids.
    /// </summary>
    public static async Task<IReadOnlyList<long>> SeedAsync(IServiceProvider services, string contentDir, CancellationToken ct)
    {
        var db = services.GetRequiredService<HubixDb>();
        var time = services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow().UtcDateTime;
        await AdvisorImport.UpsertAsync(db, Advisors, now, ct);

        var first = Directory.Exists(contentDir)
            ? Directory.GetDirectories(contentDir).Select(Path.GetFileName)
                .Select(n => DateOnly.TryParseExact(n, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) ? d : (DateOnly?)null)
                .Where(d => d is not null).Min()
            : null;
        if (first is null)
        {
            throw new PackValidationException([$"{contentDir}: no YYYY-MM-DD folders to import"]);
        }

        var today = AdvisorClock.LocalDate(AdvisorImport.DefaultTimeZone, now);
        var shift = today.DayNumber - first.Value.DayNumber;
        // The demo's sample packs are approved as seeded, so the demo sends them whatever Hubix:Content:RequireApproval says.
        var stored = await PackImport.ImportDirectoryAsync(db, contentDir, now, ct, shift, actor: "demo", requireApproval: false);
        await services.GetRequiredService<MediaUploader>().EnsureUploadedAsync(stored.SelectMany(s => s.MediaIds).ToList(), ct);
        return stored.Select(s => s.PackId).ToList();
    }
}
