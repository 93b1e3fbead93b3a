using System.Threading.Channels;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>Opt-outs and opt-ins per day from the consent ledger (every source: keyword, Meta, admin), by the change's own time.</summary>
internal sealed class ConsentMetricsContributor : IMetricsContributor
{
    public async Task ContributeAsync(MetricsContext context, CancellationToken ct)
    {
        var start = context.StartUtc;
        var end = context.EndUtc;
        var events = await context.Db.Set<ConsentEvent>().AsNoTracking().Where(e => e.At >= start && e.At < end)
            .Select(e => new { e.At, e.Status }).ToListAsync(ct);
        foreach (var e in events)
        {
            if (context.DayOf(e.At) is not { } day)
            {
                continue;
            }

            if (e.Status == AdvisorStatus.OptedOut)
            {
                day.OptOuts++;
            }
            else
            {
                day.OptIns++;
            }
        }
    }
}

/// <summary>Consent changes on the advisor's timeline (kind <c>consent</c>).</summary>
internal sealed class ConsentTimelineContributor : ITimelineContributor
{
    public async Task ContributeAsync(HubixDbContext db, string phone, List<TimelineEntry> entries, CancellationToken ct)
    {
        var events = await db.Set<ConsentEvent>().AsNoTracking().Where(e => e.Phone == phone).OrderByDescending(e => e.Id).Take(500).ToListAsync(ct);
        foreach (var e in events)
        {
            var status = e.Status == AdvisorStatus.OptedOut ? "opted_out" : "active";
            entries.Add(new TimelineEntry(e.At, "consent", (e.Status == AdvisorStatus.OptedOut ? "Opted out" : "Opted in") + " (" + e.Source + ")", status, null, null,
                new { consentId = e.Id, status, source = e.Source, detail = e.Detail }));
        }
    }
}

