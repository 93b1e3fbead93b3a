using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <param name="State">not_started, done or failed (see <see cref="DailyRunStatus"/>).</param>
/// <param name="Skipped">Advisors skipped, each with the reason (opted out, window, template not approved...).</param>
public sealed record DailyRunState(
    DateOnly Date, string State, DateTime? StartedAt, DateTime? FinishedAt, int Planned, int Enqueued, IReadOnlyList<DailyRunSkip> Skipped);

public sealed record DailyRunSkip(string Phone, string Reason);

/// <summary>
/// The daily run (05:00 template) of one local date, for the dashboard's daily-run panel: the runs of that day, the templates
/// queued for it, and per advisor why none was — from <see cref="DailySend"/> rows where the scheduler kept one
/// (after_cutoff), else from the day's runs (opted_out, no_pack, pack_empty, template_not_approved...), which count
/// reasons without naming advisors, so each remaining advisor is matched to the reason that applies to them.
/// </summary>
/// <remarks>State: not_started (no run, nothing queued), done, or failed (runs happened but nothing was queued for a
/// reason other than opt-outs, e.g. no pack or the template not approved).</remarks>
public sealed class DailyRunStatus(HubixDb db)
{
    /// <summary>Reasons the runs count per advisor; any other is about the template and applies to every due advisor.</summary>
    private static readonly HashSet<string> AdvisorReasons = new(StringComparer.Ordinal)
    {
        "opted_out", "no_pack", "pack_empty", "already_sent", "after_cutoff", "unknown_advisor",
    };

    /// <param name="zone">The zone in which <paramref name="date"/> is a day; it bounds which runs belong to the date (the dashboard passes its own).</param>
    public async Task<DailyRunState> GetAsync(DateOnly date, TimeZoneInfo zone, CancellationToken ct)
    {
        var start = LocalDay.StartUtc(date, zone);
        var end = LocalDay.StartUtc(date.AddDays(1), zone);
        await using var context = db.CreateDbContext();
        var runs = await context.Set<DailyRun>().AsNoTracking().Where(r => r.StartedAt >= start && r.StartedAt < end).OrderBy(r => r.Id).ToListAsync(ct);
        var sends = await context.Set<DailySend>().AsNoTracking().Where(s => s.LocalDate == date).ToListAsync(ct);
        var advisors = await context.Set<Advisor>().AsNoTracking().Where(a => a.DeletedAt == null)
            .Select(a => new { a.Id, a.Phone, a.Status, a.Categories }).ToListAsync(ct);

        var skipped = sends.Where(s => s.State == DailySendState.Skipped).OrderBy(s => s.Phone, StringComparer.Ordinal)
            .Select(s => new DailyRunSkip(s.Phone, s.Reason ?? "skipped")).ToList();
        var reasons = runs.Select(r => Reasons(r.Reasons)).ToList();
        var anyReason = reasons.SelectMany(r => r.Keys).ToHashSet(StringComparer.Ordinal);
        var templateReason = reasons.Count == 0 ? null : reasons[^1].Keys.FirstOrDefault(k => !AdvisorReasons.Contains(k));
        var withSend = sends.Select(s => s.AdvisorId).ToHashSet();
        var pending = advisors.Where(a => !withSend.Contains(a.Id)).OrderBy(a => a.Phone, StringComparer.Ordinal).ToList();
        if (runs.Count > 0 && pending.Count > 0)
        {
            var packs = await PackResolver.LoadAsync(context, [date], ct);
            foreach (var a in pending)
            {
                string? reason;
                if (a.Status == AdvisorStatus.OptedOut)
                {
                    reason = anyReason.Contains("opted_out") ? "opted_out" : null;
                }
                else if (templateReason is not null)
                {
                    reason = templateReason;
                }
                else
                {
                    var pack = packs.TryGetValue(date, out var list) ? PackResolver.Choose(list, a.Categories) : null;
                    reason = pack is null ? "no_pack" : pack.ItemCount == 0 ? "pack_empty" : null;
                    reason = reason is not null && anyReason.Contains(reason) ? reason : null;
                }

                if (reason is not null)
                {
                    skipped.Add(new DailyRunSkip(a.Phone, reason));
                }
            }
        }

        var enqueued = sends.Count(s => s.State == DailySendState.Queued);
        var planned = advisors.Select(a => a.Id).Union(sends.Select(s => s.AdvisorId)).Count();
        var state = runs.Count == 0 && sends.Count == 0 ? "not_started"
            : enqueued == 0 && skipped.Any(s => s.Reason != "opted_out") ? "failed"
            : "done";
        DateTime? startedAt = runs.Count > 0 ? runs[0].StartedAt : sends.Count > 0 ? sends.Min(s => s.CreatedAt) : null;
        DateTime? finishedAt = runs.Count > 0 ? runs.Max(r => r.FinishedAt) : sends.Count > 0 ? sends.Max(s => s.CreatedAt) : null;
        return new DailyRunState(date, state, startedAt, finishedAt, planned, enqueued, skipped);
    }

    internal static Dictionary<string, int> Reasons(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ScheduleJson.Default.DictionaryStringInt32) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
