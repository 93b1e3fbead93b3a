using System.Globalization;
using System.Text;
using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>One advisor on one local day. Times are UTC (ISO 8601 in CSV).</summary>
/// <param name="PackState">none, in_progress, delivered, partial, failed: from the advisor's unlocks tapped that day, else from the outbox's unlock messages.</param>
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
}

public sealed record DailyReport(DateOnly Date, string TimeZone, IReadOnlyList<DailyReportRow> Rows);

/// <summary>
/// The per-advisor daily report (LESSONS §4.6): template sent/delivered/read, when they tapped, how their
/// pack went, and how much they chatted. Served as JSON or CSV, and by <c>hubix report daily</c>.
/// </summary>
public sealed class DailyReportService(HubixDb db)
{
    public static readonly string[] CsvColumns =
    [
        "date", "phone", "name", "template", "template_sent_at", "template_delivered_at", "template_read_at", "template_error_code",
        "tapped_at", "pack_state", "messages_sent", "messages_delivered", "messages_read", "messages_failed", "chats",
    ];

    public async Task<DailyReport> BuildAsync(DateOnly date, TimeZoneInfo zone, string zoneName, CancellationToken ct)
    {
        var start = LocalDay.StartUtc(date, zone);
        var end = LocalDay.StartUtc(date.AddDays(1), zone);
        await using var context = db.CreateDbContext();
        var rows = new SortedDictionary<string, DailyReportRow>(StringComparer.Ordinal);
        DailyReportRow Row(string phone)
        {
            if (!rows.TryGetValue(phone, out var r))
            {
                rows[phone] = r = new DailyReportRow { Phone = phone };
            }

            return r;
        }

        var messages = await Tracking.LoadAsync(context, context.Set<OutboxMessage>().Where(o => o.CreatedAt >= start && o.CreatedAt < end), ct);
        foreach (var m in messages.Where(m => m.Purpose == "daily").OrderBy(m => m.CreatedAt))
        {
            var r = Row(m.Recipient);
            r.Template = m.TemplateName;
            r.TemplateSentAt = m.SentAt ?? m.AcceptedAt;
            r.TemplateDeliveredAt = m.DeliveredAt ?? m.ReadAt;
            r.TemplateReadAt = m.ReadAt;
            r.TemplateErrorCode = m.IsFailed ? m.ErrorCode : null;
        }

        foreach (var m in messages.Where(m => m.Purpose != "daily"))
        {
            var r = Row(m.Recipient);
            r.MessagesSent += m.IsSent ? 1 : 0;
            r.MessagesDelivered += m.IsDelivered ? 1 : 0;
            r.MessagesRead += m.IsRead ? 1 : 0;
            r.MessagesFailed += m.IsFailed ? 1 : 0;
        }

        foreach (var byPhone in messages.Where(m => m.Purpose == "unlock").GroupBy(m => m.Recipient, StringComparer.Ordinal))
        {
            var all = byPhone.Count();
            var delivered = byPhone.Count(m => m.IsDelivered);
            var failed = byPhone.Count(m => m.IsFailed);
            Row(byPhone.Key).PackState = delivered == all ? "delivered" : failed == all ? "failed" : failed > 0 ? "partial" : "in_progress";
        }

        var inbound = await context.Set<Interaction>().AsNoTracking()
            .Where(i => i.Direction == "in" && i.Phone != null && i.At >= start && i.At < end)
            .Select(i => new { i.Phone, i.Type, i.At }).ToListAsync(ct);
        foreach (var i in inbound.OrderBy(i => i.At))
        {
            var r = Row(i.Phone!);
            if (Interaction.TapTypes.Contains(i.Type))
            {
                r.TappedAt ??= i.At;
            }
            else
            {
                r.Chats++;
            }
        }

        var phones = rows.Keys.ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in phones.Chunk(500))
        {
            foreach (var a in await context.Set<Advisor>().AsNoTracking().Where(a => chunk.Contains(a.Phone)).Select(a => new { a.Phone, a.Name }).ToListAsync(ct))
            {
                names[a.Phone] = a.Name;
            }
        }

        foreach (var r in rows.Values)
        {
            r.Name = names.GetValueOrDefault(r.Phone);
        }

        await PackStateFromUnlocksAsync(context, start, end, rows, ct);
        return new DailyReport(date, zoneName, rows.Values.ToList());
    }

    /// <summary>
    /// Where the Unlocks table has the advisor's taps of the day it wins over the outbox rows: a partial pack that a resend
    /// completed is delivered there, while its failed outbox row stays failed. States are brought up to date in memory only.
    /// </summary>
    private static async Task PackStateFromUnlocksAsync(
        HubixDbContext context, DateTime start, DateTime end, SortedDictionary<string, DailyReportRow> rows, CancellationToken ct)
    {
        var unlocks = await context.Set<UnlockRecord>().AsNoTracking().Where(u => u.TappedAt >= start && u.TappedAt < end).ToListAsync(ct);
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

    /// <summary>RFC 4180 CSV with a header row; cells that could start a spreadsheet formula are quoted with a leading apostrophe.</summary>
    public static string ToCsv(DailyReport report)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', CsvColumns).Append("\r\n");
        foreach (var r in report.Rows)
        {
            string?[] cells =
            [
                report.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Phone, r.Name, r.Template, Iso(r.TemplateSentAt), Iso(r.TemplateDeliveredAt),
                Iso(r.TemplateReadAt), r.TemplateErrorCode?.ToString(CultureInfo.InvariantCulture), Iso(r.TappedAt), r.PackState,
                r.MessagesSent.ToString(CultureInfo.InvariantCulture), r.MessagesDelivered.ToString(CultureInfo.InvariantCulture),
                r.MessagesRead.ToString(CultureInfo.InvariantCulture), r.MessagesFailed.ToString(CultureInfo.InvariantCulture), r.Chats.ToString(CultureInfo.InvariantCulture),
            ];
            sb.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
        }

        return sb.ToString();
    }

    private static string? Iso(DateTime? t) => t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        // Names come from people: a cell starting with = + - @ would run as a formula in a spreadsheet.
        if (value[0] is '=' or '+' or '-' or '@' && !char.IsDigit(value.Length > 1 ? value[1] : 'x'))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
