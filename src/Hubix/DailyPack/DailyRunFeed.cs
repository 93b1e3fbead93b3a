using Hubix.Advisors;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>Each recorded daily run that queued or skipped something, on the live feed as <c>daily_run</c>.</summary>
internal sealed class DailyRunFeed(HubixDb db, LiveFeed feed, TimeProvider time, ILogger<DailyRunFeed> logger) : LedgerTail<DailyRun>(db, time, logger)
{
    protected override async Task<long> MaxIdAsync(HubixDbContext context, CancellationToken ct) =>
        await context.Set<DailyRun>().Select(r => (long?)r.Id).MaxAsync(ct) ?? 0;

    protected override Task<List<DailyRun>> AfterAsync(HubixDbContext context, long afterId, int take, CancellationToken ct) =>
        context.Set<DailyRun>().AsNoTracking().Where(r => r.Id > afterId).OrderBy(r => r.Id).Take(take).ToListAsync(ct);

    protected override long IdOf(DailyRun row) => row.Id;

    protected override void Announce(DailyRun r)
    {
        var reasons = DailyRunStatus.Reasons(r.Reasons);
        if (r.Enqueued == 0 && r.Skipped == 0 && reasons.Count == 0)
        {
            return;
        }

        feed.Publish(new LiveEvent("daily_run", r.FinishedAt, null, new
        {
            runId = r.Id, trigger = r.Trigger, startedAt = r.StartedAt, finishedAt = r.FinishedAt, due = r.Due, enqueued = r.Enqueued, skipped = r.Skipped,
            reasons, note = r.Note,
        }));
    }
}
