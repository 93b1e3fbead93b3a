using System.Globalization;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>
/// Packs in the dashboard's metrics from the Unlocks table: outcome per day (by the tap's day) and the tap → first item
/// accepted / tap → last item accepted latencies from the unlock's own timings. Resends count as packs but not as taps.
/// </summary>
/// <remarks>
/// A day that has unlocks gets its pack figures replaced; a day without any keeps what the dashboard derived from
/// the outbox (packs enqueued by something other than this feature, or seeded data).
/// </remarks>
internal sealed class UnlockMetricsContributor : IMetricsContributor
{
    public async Task ContributeAsync(MetricsContext context, CancellationToken ct)
    {
        var start = context.StartUtc;
        var end = context.EndUtc;
        var unlocks = await context.Db.Set<UnlockRecord>().AsNoTracking().Where(u => u.TappedAt >= start && u.TappedAt < end).ToListAsync(ct);
        if (unlocks.Count == 0)
        {
            return;
        }

        // Up to date even if a delivery event was lost (in memory only: a GET writes nothing).
        await UnlockTracker.RefreshAsync(context.Db, unlocks, ct);
        foreach (var byDay in unlocks.GroupBy(u => LocalDay.Of(u.TappedAt, context.Zone)))
        {
            if (!context.Days.TryGetValue(byDay.Key, out var day))
            {
                continue;
            }

            day.Packs = new PackCounts
            {
                Delivered = byDay.Count(u => u.State == UnlockState.Delivered),
                Partial = byDay.Count(u => u.State == UnlockState.Partial),
                Failed = byDay.Count(u => u.State == UnlockState.Failed),
                InProgress = byDay.Count(u => u.State == UnlockState.Delivering),
            };
            var taps = byDay.Where(u => u.TapKind != UnlockResender.ResendKind).ToList();
            day.TapToFirstContentAccepted = LatencyStats.From(
                taps.Where(u => u.FirstAcceptedAt is not null).Select(u => Seconds(u.TappedAt, u.FirstAcceptedAt!.Value)).ToList());
            day.TapToPackDelivered = LatencyStats.From(
                taps.Where(u => u.State == UnlockState.Delivered && u.DeliveredAt is not null).Select(u => Seconds(u.TappedAt, u.DeliveredAt!.Value)).ToList());
        }
    }

    // Meta's tap timestamp has whole seconds, our acceptance time does not: never below zero.
    private static double Seconds(DateTime from, DateTime to) => Math.Max(0, (to - from).TotalSeconds);
}

/// <summary>The daily report's pack state per advisor from the Unlocks table (taps of that local day).</summary>
internal sealed class UnlockReportContributor : IDailyReportContributor
{
    public async Task ContributeAsync(HubixDbContext db, DateOnly date, TimeZoneInfo zone, IReadOnlyDictionary<string, DailyReportRow> rowsByPhone, CancellationToken ct)
    {
        var start = LocalDay.StartUtc(date, zone);
        var end = LocalDay.StartUtc(date.AddDays(1), zone);
        var unlocks = await db.Set<UnlockRecord>().AsNoTracking().Where(u => u.TappedAt >= start && u.TappedAt < end).ToListAsync(ct);
        await UnlockTracker.RefreshAsync(db, unlocks, ct);
        foreach (var byPhone in unlocks.GroupBy(u => u.Phone, StringComparer.Ordinal))
        {
            if (rowsByPhone.TryGetValue(byPhone.Key, out var row))
            {
                row.PackState = PackState(byPhone.Select(u => u.State).ToList());
            }
        }
    }

    /// <summary>
    /// One word for an advisor's unlocks of a day: in_progress while any is on its way; delivered once any pack arrived
    /// whole (a resend that completed a partial one counts); otherwise partial if anything arrived; else failed.
    /// </summary>
    public static string PackState(IReadOnlyCollection<UnlockState> states) =>
        states.Count == 0 ? "none"
        : states.Contains(UnlockState.Delivering) ? "in_progress"
        : states.Contains(UnlockState.Delivered) ? "delivered"
        : states.Contains(UnlockState.Partial) ? "partial"
        : "failed";
}

/// <summary>An advisor's unlocks on their timeline (kind <c>unlock</c>), at the tap's time.</summary>
internal sealed class UnlockTimelineContributor : ITimelineContributor
{
    private const int MaxEntries = 500;

    public async Task ContributeAsync(HubixDbContext db, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var unlocks = await db.Set<UnlockRecord>().AsNoTracking().Where(u => u.Phone == phone).OrderByDescending(u => u.Id).Take(MaxEntries).ToListAsync(ct);
        await UnlockTracker.RefreshAsync(db, unlocks, ct);
        foreach (var u in unlocks)
        {
            var state = UnlockEndpoints.StateName(u.State);
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"{(u.TapKind == UnlockResender.ResendKind ? "Resend of" : "Pack")} {u.PackDate:yyyy-MM-dd} ({u.Scope}) #{u.Sequence}: {state}, {u.ItemCount} item(s)")
                + (u.FailureReason is null ? "" : " — " + u.FailureReason);
            entries.Add(new TimelineEntry(u.TappedAt, "unlock", summary, state, u.TapKind == UnlockResender.ResendKind ? null : u.TapMessageId, null, new
            {
                unlockId = u.Id, packId = u.PackId, packDate = u.PackDate, scope = u.Scope, sequence = u.Sequence, tapKind = u.TapKind, resolvedBy = u.ResolvedBy,
                items = u.ItemCount, skippedItems = u.SkippedItems, firstAcceptedAt = u.FirstAcceptedAt, deliveredAt = u.DeliveredAt, finishedAt = u.FinishedAt,
                failureReason = u.FailureReason, groupKey = u.GroupKey,
            }));
        }
    }
}

