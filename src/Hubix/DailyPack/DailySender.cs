using System.Globalization;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary><c>Hubix:Schedule</c>.</summary>
public sealed class ScheduleOptions
{
    public const string Section = "Hubix:Schedule";

    /// <summary>Local time (in each advisor's zone) the daily template goes out. Default 05:00.</summary>
    public TimeSpan DailyAt { get; set; } = TimeSpan.FromHours(5);

    /// <summary>A server that was down at <see cref="DailyAt"/> catches up until this local time; later the day is skipped. Default 12:00.</summary>
    public TimeSpan LatestAt { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often the scheduler looks for advisors whose time has come.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Turn the background scheduler off (send-daily still works).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary><c>Hubix:Templates:Daily</c>: the UTILITY template announcing the day's pack.</summary>
public sealed class DailyTemplateOptions
{
    public const string Section = "Hubix:Templates:Daily";

    public string Name { get; set; } = "daily_content_ready_v1";
    public string Language { get; set; } = "en";

    /// <summary>
    /// One payload prefix per quick-reply button, in button order: RETRIEVE_CONTENT (whole pack), UNLOCK_IMAGES,
    /// UNLOCK_CONTENT (posts), UNLOCK_UPDATES. Empty means ["RETRIEVE_CONTENT"].
    /// </summary>
    public List<string> Buttons { get; set; } = [];

    public IReadOnlyList<string> EffectiveButtons => Buttons.Count == 0 ? ["RETRIEVE_CONTENT"] : Buttons;
}

/// <summary>A request to send the daily template now.</summary>
/// <param name="Trigger">scheduler, cli, api, demo.</param>
/// <param name="Date">A fixed pack date instead of each advisor's local today.</param>
/// <param name="Phone">Only this advisor.</param>
/// <param name="DryRun">Plan only; write nothing.</param>
/// <param name="Force">Ignore DailyAt and LatestAt (manual sends).</param>
public sealed record DailyRequest(string Trigger, DateOnly? Date = null, string? Phone = null, bool DryRun = false, bool Force = false);

public sealed record PlannedSend(string Phone, DateOnly LocalDate, long PackId, string Category);

public sealed record DailyRunResult(int Due, int Enqueued, int Skipped, IReadOnlyDictionary<string, int> Reasons, string? Note, IReadOnlyList<PlannedSend> Planned);

/// <summary>
/// Decides who gets the daily template now and enqueues it: one template per (advisor, local date), enforced by
/// the DailySend unique index in the same transaction as the outbox rows. Pre-flight: template APPROVED, pack
/// present and not empty; otherwise nothing is sent and the reason is counted in a <see cref="DailyRun"/>.
/// </summary>
public sealed class DailySender(
    HubixDb db,
    ITemplateCatalog templates,
    MediaUploader uploader,
    IOptions<ScheduleOptions> schedule,
    IOptions<DailyTemplateOptions> template,
    TimeProvider time,
    ILogger<DailySender> logger)
{
    private const int ChunkSize = 1000;
    private readonly Lock _gate = new();
    private (string Reasons, DateTime At) _lastFailure = ("", DateTime.MinValue);

    private sealed record Candidate(long Id, string Phone, string Name, string TimeZone, string Categories, AdvisorStatus Status);

    public async Task<DailyRunResult> RunAsync(DailyRequest request, CancellationToken ct)
    {
        var started = time.GetUtcNow().UtcDateTime;
        var o = schedule.Value;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string reason, int n = 1) => reasons[reason] = reasons.GetValueOrDefault(reason) + n;

        await using var context = db.CreateDbContext();
        var query = context.Set<Advisor>().AsNoTracking().Where(a => a.DeletedAt == null);
        if (request.Phone is not null)
        {
            query = query.Where(a => a.Phone == request.Phone);
        }

        var advisors = await query.Select(a => new Candidate(a.Id, a.Phone, a.Name, a.TimeZone, a.Categories, a.Status)).ToListAsync(ct);
        if (request.Phone is not null && advisors.Count == 0)
        {
            Count("unknown_advisor");
        }

        // Who is due: local time past DailyAt today (or forced); split those already past the cutoff.
        var due = new List<(Candidate Advisor, DateOnly Date)>();
        var late = new List<(Candidate Advisor, DateOnly Date)>();
        foreach (var a in advisors)
        {
            var local = AdvisorClock.LocalNow(a.TimeZone, started);
            var date = request.Date ?? DateOnly.FromDateTime(local);
            if (!request.Force && request.Date is null && local.TimeOfDay < o.DailyAt)
            {
                continue;
            }

            if (a.Status == AdvisorStatus.OptedOut)
            {
                Count("opted_out");
                continue;
            }

            if (!request.Force && request.Date is null && local.TimeOfDay >= o.LatestAt)
            {
                late.Add((a, date));
            }
            else
            {
                due.Add((a, date));
            }
        }

        // Drop those that already have their day (sent or skipped).
        var done = await ExistingAsync(context, due.Concat(late).Select(d => d.Date).Distinct().ToList(), ct);
        var alreadyDone = due.Count(d => done.Contains((d.Advisor.Id, d.Date)));
        if (alreadyDone > 0 && (request.Phone is not null || request.Trigger != "scheduler"))
        {
            Count("already_sent", alreadyDone);
        }

        due.RemoveAll(d => done.Contains((d.Advisor.Id, d.Date)));
        late.RemoveAll(d => done.Contains((d.Advisor.Id, d.Date)));
        if (due.Count == 0 && late.Count == 0 && (request.Trigger == "scheduler" || reasons.Count == 0))
        {
            return new DailyRunResult(0, 0, 0, reasons, null, []);
        }

        string? note = null;
        var toSend = new List<(Candidate Advisor, DateOnly Date, PackSummary Pack)>();
        if (due.Count > 0)
        {
            var t = template.Value;
            var check = await templates.CheckAsync(t.Name, t.Language, ct);
            if (!check.Ok)
            {
                Count(check.Reason ?? "template_unavailable", due.Count);
                note = check.Detail;
            }
            else
            {
                var packs = await PackResolver.LoadAsync(context, due.Select(d => d.Date).Distinct().ToList(), ct);
                foreach (var (a, date) in due)
                {
                    var pack = packs.TryGetValue(date, out var list) ? PackResolver.Choose(list, a.Categories) : null;
                    if (pack is null)
                    {
                        Count("no_pack");
                    }
                    else if (pack.ItemCount == 0)
                    {
                        Count("pack_empty");
                    }
                    else
                    {
                        toSend.Add((a, date, pack));
                    }
                }
            }
        }

        var planned = toSend.Select(s => new PlannedSend(s.Advisor.Phone, s.Date, s.Pack.Id, s.Pack.Category)).ToList();
        if (request.DryRun)
        {
            if (late.Count > 0)
            {
                Count("after_cutoff", late.Count);
            }

            return new DailyRunResult(due.Count + late.Count, 0, late.Count, reasons, note, planned);
        }

        // Upload media of the packs about to be announced, so taps find ids ready (network: here, never in the inbox).
        if (toSend.Count > 0)
        {
            var dates = toSend.Select(s => s.Date).ToList();
            await uploader.EnsureUploadedForDatesAsync(dates.Min(), dates.Max(), ct);
        }

        var enqueued = 0;
        foreach (var chunk in toSend.Chunk(ChunkSize))
        {
            enqueued += await EnqueueChunkAsync(chunk, started, ct);
        }

        var skipped = 0;
        foreach (var chunk in late.Chunk(ChunkSize))
        {
            skipped += await SkipChunkAsync(chunk.Select(c => (c.Advisor, c.Date)).ToList(), "after_cutoff", started, ct);
        }

        if (skipped > 0)
        {
            Count("after_cutoff", skipped);
        }

        var reasonsJson = JsonSerializer.Serialize(reasons, ScheduleJson.Default.DictionaryStringInt32);
        if (request.Trigger == "scheduler" && enqueued == 0 && skipped == 0)
        {
            // The same pre-flight failure every tick is one story: record it once per 10 minutes.
            lock (_gate)
            {
                if (_lastFailure.Reasons == reasonsJson && started - _lastFailure.At < TimeSpan.FromMinutes(10))
                {
                    return new DailyRunResult(due.Count + late.Count, 0, 0, reasons, note, planned);
                }

                _lastFailure = (reasonsJson, started);
            }
        }

        var run = new DailyRun { StartedAt = started, Trigger = request.Trigger };
        context.Add(run);
        run.Due = due.Count + late.Count;
        run.Enqueued = enqueued;
        run.Skipped = skipped;
        run.Reasons = reasonsJson;
        run.Note = note is { Length: > 1024 } ? note[..1024] : note;
        run.FinishedAt = time.GetUtcNow().UtcDateTime;
        using (await db.EnterWriteAsync(ct))
        {
            await context.SaveChangesAsync(ct);
        }

        if (enqueued > 0 || reasons.Count > 0)
        {
            logger.LogInformation("Daily run {RunId} ({Trigger}): {Enqueued} enqueued, {Skipped} skipped, reasons {Reasons}", run.Id, request.Trigger, enqueued, skipped, run.Reasons);
        }

        return new DailyRunResult(run.Due, enqueued, skipped, reasons, note, planned);
    }

    private static async Task<HashSet<(long, DateOnly)>> ExistingAsync(HubixDbContext context, List<DateOnly> dates, CancellationToken ct)
    {
        if (dates.Count == 0)
        {
            return [];
        }

        var rows = await context.Set<DailySend>().AsNoTracking().Where(s => dates.Contains(s.LocalDate)).Select(s => new { s.AdvisorId, s.LocalDate }).ToListAsync(ct);
        return rows.Select(r => (r.AdvisorId, r.LocalDate)).ToHashSet();
    }

    /// <summary>One transaction: DailySend rows and their templates. A concurrent scheduler that got there first makes the
    /// unique index fail; then we drop what it already did and try once more.</summary>
    private async Task<int> EnqueueChunkAsync(IReadOnlyList<(Candidate Advisor, DateOnly Date, PackSummary Pack)> chunk, DateTime now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var context = db.CreateDbContext();
            try
            {
                // Read-then-write in one transaction: on SQLite it must hold the write gate from the start, or a
                // dispatcher commit between its read and its first write would fail it (a stale snapshot cannot write).
                using var gate = await db.EnterWriteAsync(ct);
                await using var tx = await context.Database.BeginTransactionAsync(ct);
                var done = await ExistingAsync(context, chunk.Select(c => c.Date).Distinct().ToList(), ct);
                var fresh = chunk.Where(c => !done.Contains((c.Advisor.Id, c.Date))).ToList();
                var t = template.Value;
                var requests = new List<OutboxRequest>(fresh.Count);
                foreach (var (a, date, pack) in fresh)
                {
                    var key = OutboxKey(a.Phone, date);
                    context.Add(new DailySend
                    {
                        AdvisorId = a.Id, Phone = a.Phone, LocalDate = date, PackId = pack.Id, State = DailySendState.Queued, OutboxKey = key, CreatedAt = now,
                    });
                    var message = OutboundMessage.Template(a.Phone, t.Name, t.Language,
                        [CategoryLabel(pack.Category), ContentRender.FormatDate(date), string.IsNullOrWhiteSpace(pack.Description) ? "Today's content" : pack.Description],
                        t.EffectiveButtons.Select(prefix => UnlockScopes.Payload(prefix, date, pack.Id)));
                    var endOfDay = AdvisorClock.ToUtc(a.TimeZone, date.AddDays(1), TimeOnly.MinValue);
                    var expires = endOfDay > now + TimeSpan.FromHours(1) ? endOfDay : now + TimeSpan.FromHours(12);
                    requests.Add(new OutboxRequest(message, key, "daily", ExpiresAt: expires));
                }

                await Outbox.EnqueueAsync(context, requests, now, ct);
                await context.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return fresh.Count;
            }
            catch (DbUpdateException ex) when (attempt < 2)
            {
                logger.LogInformation("Daily chunk collided with another scheduler ({Error}); retrying without the rows it did", ex.InnerException?.Message ?? ex.Message);
            }
        }
    }

    private async Task<int> SkipChunkAsync(IReadOnlyList<(Candidate Advisor, DateOnly Date)> chunk, string reason, DateTime now, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var context = db.CreateDbContext();
            try
            {
                var done = await ExistingAsync(context, chunk.Select(c => c.Date).Distinct().ToList(), ct);
                var fresh = chunk.Where(c => !done.Contains((c.Advisor.Id, c.Date))).ToList();
                context.AddRange(fresh.Select(c => new DailySend
                {
                    AdvisorId = c.Advisor.Id, Phone = c.Advisor.Phone, LocalDate = c.Date, State = DailySendState.Skipped, Reason = reason, CreatedAt = now,
                }));
                using (await db.EnterWriteAsync(ct))
                {
                    await context.SaveChangesAsync(ct);
                }

                return fresh.Count;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
            }
        }
    }

    public static string OutboxKey(string phone, DateOnly date) => string.Create(CultureInfo.InvariantCulture, $"daily:{phone}:{date:yyyy-MM-dd}");

    private static string CategoryLabel(string category) =>
        string.IsNullOrEmpty(category) ? "Daily" : char.ToUpperInvariant(category[0]) + category[1..].Replace('_', ' ').Replace('-', ' ');
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class ScheduleJson : System.Text.Json.Serialization.JsonSerializerContext;
