using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>One advisor on one local day. Times are UTC (ISO 8601 in CSV).</summary>
/// <param name="PackState">none, in_progress, delivered, partial, failed: from the advisor's unlocks tapped that day, else from the outbox's unlock messages.</param>
/// <param name="Outcome">The day's template: queued, sending, accepted, sent, delivered, read, failed; or not_sent.</param>
/// <param name="Reason">
/// Why the advisor got no template, or why it failed: the daily run's skip reason (opted_out, no_pack, after_cutoff...),
/// opted_out, deleted, not_yet_sent (nothing queued for the day yet), queued_outside_day (queued for the day, but outside
/// the report's day in its zone), or error_CODE for a failure; null when it went out.
/// </param>
public sealed class DailyReportRow
{
    public required string Phone { get; init; }
    public string? Name { get; set; }
    public string? Template { get; set; }
    public DateTime? TemplateSentAt { get; set; }
    public DateTime? TemplateDeliveredAt { get; set; }
    public DateTime? TemplateReadAt { get; set; }
    public int? TemplateErrorCode { get; set; }
    public DateTime? TappedAt { get; set; }
    public string PackState { get; set; } = "none";
    public int MessagesSent { get; set; }
    public int MessagesDelivered { get; set; }
    public int MessagesRead { get; set; }
    public int MessagesFailed { get; set; }
    public int Chats { get; set; }
    public string Outcome { get; set; } = "not_sent";
    public string? Reason { get; set; }

    /// <summary>The advisor's language (<c>Advisor.Language</c>).</summary>
    public string? Language { get; set; }

    /// <summary>The daily template's language code sent that day; null when none was queued.</summary>
    public string? TemplateLanguage { get; set; }

    /// <summary>The advisor's language had no sendable template: the default's went out.</summary>
    public bool? TemplateFallback { get; set; }

    /// <summary>The pack variant they got (items for everyone plus this language's), from their last unlock of the day.</summary>
    public string? PackLanguage { get; set; }

    /// <summary>The pack had no items in the advisor's language: they got <see cref="PackLanguage"/> (the default).</summary>
    public bool? PackFallback { get; set; }
}

/// <summary>The report's JSON document (it is written as a stream, row by row, not built as one object).</summary>
public sealed record DailyReport(DateOnly Date, string TimeZone, IReadOnlyList<DailyReportRow> Rows);

/// <summary>
/// The per-advisor daily report (LESSONS §4.6): template sent/delivered/read or why not, when they tapped, how their pack
/// went, and how much they chatted; one row per advisor, those who got nothing included. Built in batches of
/// <see cref="BatchSize"/> advisors by phone, each batch reading only its advisors' rows of the day through the
/// (phone, time) indexes, and written out as each batch is ready: memory stays at one batch, and the first bytes leave
/// after the first batch. Served as JSON or CSV, and by <c>hubix report daily</c>. People who are not advisors are not
/// in it (they are in <c>/api/unknown-senders</c>).
/// </summary>
public sealed class DailyReportService(HubixDb db)
{
    public const int BatchSize = 1000;

    public static readonly string[] CsvColumns =
    [
        "date", "phone", "name", "template", "template_sent_at", "template_delivered_at", "template_read_at", "template_error_code",
        "tapped_at", "pack_state", "messages_sent", "messages_delivered", "messages_read", "messages_failed", "chats", "outcome", "reason",
        "language", "template_language", "template_fallback", "pack_language", "pack_fallback",
    ];

    /// <summary>The report's rows, one batch of advisors (in phone order) at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<DailyReportRow>> BatchesAsync(
        DateOnly date, TimeZoneInfo zone, [EnumeratorCancellation] CancellationToken ct, int batchSize = BatchSize)
    {
        var start = LocalDay.StartUtc(date, zone);
        var end = LocalDay.StartUtc(date.AddDays(1), zone);
        string? after = null;
        while (true)
        {
            await using var context = db.CreateDbContext();
            var advisors = context.Set<Advisor>().AsNoTracking();
            if (after is not null)
            {
                advisors = advisors.Where(a => a.Phone.CompareTo(after) > 0);
            }

            var batch = await advisors.OrderBy(a => a.Phone).Take(batchSize)
                .Select(a => new ReportAdvisor(a.Id, a.Phone, a.Name, a.Status, a.DeletedAt, a.CreatedAt, a.Language)).ToListAsync(ct);
            if (batch.Count == 0)
            {
                yield break;
            }

            after = batch[^1].Phone;
            yield return await BatchAsync(context, batch, date, start, end, ct);
            if (batch.Count < batchSize)
            {
                yield break;
            }
        }
    }

    private sealed record ReportAdvisor(long Id, string Phone, string Name, AdvisorStatus Status, DateTime? DeletedAt, DateTime CreatedAt, string Language);

    private static async Task<List<DailyReportRow>> BatchAsync(
        HubixDbContext context, List<ReportAdvisor> batch, DateOnly date, DateTime start, DateTime end, CancellationToken ct)
    {
        var phones = batch.Select(a => a.Phone).ToList();
        var rows = batch.ToDictionary(a => a.Phone, a => new DailyReportRow { Phone = a.Phone, Name = a.Name, Language = a.Language }, StringComparer.Ordinal);
        var messages = await Tracking.LoadAsync(context, context.Set<OutboxMessage>()
            .Where(o => phones.Contains(o.Recipient) && o.CreatedAt >= start && o.CreatedAt < end), ct);
        foreach (var m in messages.Where(m => m.Purpose == "daily").OrderBy(m => m.CreatedAt))
        {
            var r = rows[m.Recipient];
            r.Template = m.TemplateName;
            r.TemplateSentAt = m.SentAt ?? m.AcceptedAt;
            r.TemplateDeliveredAt = m.DeliveredAt ?? m.ReadAt;
            r.TemplateReadAt = m.ReadAt;
            r.TemplateErrorCode = m.IsFailed ? m.ErrorCode : null;
            r.Outcome = m.State;
            r.Reason = m.IsCancelled ? m.ErrorReason ?? "cancelled"
                : m.IsFailed ? (m.ErrorCode is { } code ? "error_" + code.ToString(CultureInfo.InvariantCulture) : m.ErrorReason ?? "failed") : null;
        }

        foreach (var m in messages.Where(m => m.Purpose != "daily"))
        {
            var r = rows[m.Recipient];
            r.MessagesSent += m.IsSent ? 1 : 0;
            r.MessagesDelivered += m.IsDelivered ? 1 : 0;
            r.MessagesRead += m.IsRead ? 1 : 0;
            r.MessagesFailed += m.IsFailed ? 1 : 0;
        }

        foreach (var byPhone in messages.Where(m => m.Purpose == "unlock").GroupBy(m => m.Recipient, StringComparer.Ordinal))
        {
            var all = byPhone.Count();
            var delivered = byPhone.Count(m => m.IsDelivered);
            var failed = byPhone.Count(m => m.IsFailed || m.IsCancelled); // a cancelled item: the pack did not arrive whole
            rows[byPhone.Key].PackState = delivered == all ? "delivered" : failed == all ? "failed" : failed > 0 ? "partial" : "in_progress";
        }

        var inbound = await context.Set<Interaction>().AsNoTracking()
            .Where(i => phones.Contains(i.Phone!) && i.At >= start && i.At < end && i.Direction == "in")
            .Select(i => new { i.Phone, i.Type, i.At }).ToListAsync(ct);
        foreach (var i in inbound.OrderBy(i => i.At))
        {
            var r = rows[i.Phone!];
            if (Interaction.TapTypes.Contains(i.Type))
            {
                r.TappedAt ??= i.At;
            }
            else
            {
                r.Chats++;
            }
        }

        var unlocks = await context.Set<UnlockRecord>().AsNoTracking().Where(u => phones.Contains(u.Phone) && u.TappedAt >= start && u.TappedAt < end).ToListAsync(ct);
        await PackStateFromUnlocksAsync(context, unlocks, rows, ct);
        foreach (var u in unlocks.Where(u => u.PackLanguage is not null).OrderBy(u => u.TappedAt).ThenBy(u => u.Id))
        {
            rows[u.Phone].PackLanguage = u.PackLanguage;
            rows[u.Phone].PackFallback = u.LanguageFallback;
        }

        var ids = batch.Select(a => a.Id).ToList();
        var sends = await context.Set<DailySend>().AsNoTracking().Where(s => ids.Contains(s.AdvisorId) && s.LocalDate == date)
            .Select(s => new { s.AdvisorId, s.State, s.Reason, s.TemplateLanguage, s.LanguageFallback }).ToListAsync(ct);
        var sendOf = sends.ToDictionary(s => s.AdvisorId);
        var result = new List<DailyReportRow>(batch.Count);
        foreach (var a in batch)
        {
            var r = rows[a.Phone];
            if (sendOf.TryGetValue(a.Id, out var sent) && sent.State == DailySendState.Queued)
            {
                r.TemplateLanguage = sent.TemplateLanguage;
                r.TemplateFallback = sent.LanguageFallback;
            }

            var active = r.Template is not null || r.TappedAt is not null || r.Chats > 0 || r.MessagesSent + r.MessagesFailed > 0 || r.PackState != "none";
            if (r.Template is null)
            {
                r.Reason = a.DeletedAt is not null ? "deleted"
                    : sendOf.TryGetValue(a.Id, out var s) ? s.State == DailySendState.Skipped ? s.Reason ?? "skipped" : "queued_outside_day"
                    : a.Status == AdvisorStatus.OptedOut ? "opted_out"
                    : "not_yet_sent";
            }

            // Advisors deleted before the day, or added after it, had no part in it unless something happened.
            if (active || (a.CreatedAt < end && (a.DeletedAt is null || a.DeletedAt >= start)))
            {
                result.Add(r);
            }
        }

        return result;
    }

    /// <summary>
    /// Where the Unlocks table has the advisor's taps of the day it wins over the outbox rows: a partial pack that a resend
    /// completed is delivered there, while its failed outbox row stays failed. States are brought up to date in memory only.
    /// </summary>
    private static async Task PackStateFromUnlocksAsync(
        HubixDbContext context, List<UnlockRecord> unlocks, Dictionary<string, DailyReportRow> rows, CancellationToken ct)
    {
        await UnlockTracker.RefreshAsync(context, unlocks, ct);
        foreach (var byPhone in unlocks.GroupBy(u => u.Phone, StringComparer.Ordinal))
        {
            if (rows.TryGetValue(byPhone.Key, out var row))
            {
                row.PackState = PackState(byPhone.Select(u => u.State).ToList());
            }
        }
    }

    /// <summary>
    /// One word for an advisor's unlocks of a day: in_progress while any is on its way; delivered once any pack arrived
    /// whole (a resend that completed a partial one counts); otherwise partial if anything arrived; else failed.
    /// </summary>
    private static string PackState(IReadOnlyCollection<UnlockState> states) =>
        states.Count == 0 ? "none"
        : states.Contains(UnlockState.Delivering) ? "in_progress"
        : states.Contains(UnlockState.Delivered) ? "delivered"
        : states.Contains(UnlockState.Partial) ? "partial"
        : "failed";

    /// <summary>
    /// RFC 4180 CSV with a header row, written batch by batch and flushed after each; cells that could start a spreadsheet
    /// formula are quoted with a leading apostrophe.
    /// </summary>
    public static async Task WriteCsvAsync(Stream output, DateOnly date, IAsyncEnumerable<IReadOnlyList<DailyReportRow>> batches, CancellationToken ct)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', CsvColumns));
        var day = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await foreach (var batch in batches.WithCancellation(ct))
        {
            foreach (var r in batch)
            {
                string?[] cells =
                [
                    day, r.Phone, r.Name, r.Template, Iso(r.TemplateSentAt), Iso(r.TemplateDeliveredAt),
                    Iso(r.TemplateReadAt), r.TemplateErrorCode?.ToString(CultureInfo.InvariantCulture), Iso(r.TappedAt), r.PackState,
                    r.MessagesSent.ToString(CultureInfo.InvariantCulture), r.MessagesDelivered.ToString(CultureInfo.InvariantCulture),
                    r.MessagesRead.ToString(CultureInfo.InvariantCulture), r.MessagesFailed.ToString(CultureInfo.InvariantCulture),
                    r.Chats.ToString(CultureInfo.InvariantCulture), r.Outcome, r.Reason,
                    r.Language, r.TemplateLanguage, Bool(r.TemplateFallback), r.PackLanguage, Bool(r.PackFallback),
                ];
                await writer.WriteLineAsync(string.Join(',', cells.Select(Cell)));
            }

            await writer.FlushAsync(ct);
            await output.FlushAsync(ct);
        }
    }

    /// <summary>
    /// The same document <see cref="DailyReport"/> serialises to (<c>{date, timeZone, rows: [...]}</c>), written row by row
    /// and flushed after each batch.
    /// </summary>
    public static async Task WriteJsonAsync(
        Stream output, DateOnly date, string zoneName, IAsyncEnumerable<IReadOnlyList<DailyReportRow>> batches, JsonSerializerOptions options, CancellationToken ct)
    {
        // Through a pipe: the serializer flushes its writer synchronously, which a response stream refuses; a pipe only
        // buffers until the awaited flush after each batch.
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using (var writer = new Utf8JsonWriter(pipe, new JsonWriterOptions { Indented = options.WriteIndented, Encoder = options.Encoder }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName(Name(options, nameof(DailyReport.Date)));
            JsonSerializer.Serialize(writer, date, options);
            writer.WriteString(Name(options, nameof(DailyReport.TimeZone)), zoneName);
            writer.WriteStartArray(Name(options, nameof(DailyReport.Rows)));
            await foreach (var batch in batches.WithCancellation(ct))
            {
                foreach (var r in batch)
                {
                    JsonSerializer.Serialize(writer, r, options);
                }

                await writer.FlushAsync(ct);
                await pipe.FlushAsync(ct);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await pipe.CompleteAsync();
    }

    private static string Name(JsonSerializerOptions options, string property) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

    private static string? Bool(bool? b) => b switch { true => "true", false => "false", null => null };

    private static string? Iso(DateTime? t) => t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // Names come from people: a cell starting with = + - @ (or a tab or CR, which some spreadsheets skip before
        // reading one of those) would run as a formula. Always neutralised, whatever follows: "=1+HYPERLINK(...)" and
        // "-1+..." are formulas too. No cell of ours is a signed number, so nothing legitimate is changed.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
