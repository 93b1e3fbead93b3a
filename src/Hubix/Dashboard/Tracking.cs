using System.Text.Json;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Dashboard;

/// <summary>An outbound message with its best-known state: the outbox row, advanced by status webhooks in the CRM log.</summary>
internal sealed record TrackedMessage(
    long Id, string Recipient, string Kind, string Purpose, string? TemplateName, string? GroupKey, int Position, DateTime CreatedAt,
    DateTime? AcceptedAt, DateTime? SentAt, DateTime? DeliveredAt, DateTime? ReadAt, DateTime? FailedAt, int? ErrorCode, string? ErrorReason,
    string? WaMessageId, OutboxState RowState)
{
    public bool IsSent => SentAt is not null || DeliveredAt is not null || ReadAt is not null;
    public bool IsDelivered => DeliveredAt is not null || ReadAt is not null;
    public bool IsRead => ReadAt is not null;
    public bool IsFailed => FailedAt is not null && !IsDelivered;

    /// <summary>Never sent: stopped while queued (the advisor opted out); <see cref="ErrorReason"/> says why.</summary>
    public bool IsCancelled => RowState == OutboxState.Cancelled;
    public bool LeftQueue => IsSent || IsFailed || AcceptedAt is not null;

    public string State => IsCancelled ? "cancelled" : IsFailed ? "failed" : IsRead ? "read" : IsDelivered ? "delivered" : IsSent ? "sent"
        : AcceptedAt is not null ? "accepted" : RowState == OutboxState.Sending ? "sending" : "queued";
}

/// <summary>Reads outbox rows and merges the statuses Meta reported for them (by wamid or by our callback id).</summary>
internal static class Tracking
{
    public static async Task<List<TrackedMessage>> LoadAsync(HubixDbContext db, IQueryable<OutboxMessage> rows, CancellationToken ct)
    {
        var list = await rows.AsNoTracking().Select(o => new
        {
            o.Id, o.Recipient, o.Kind, o.Purpose, Payload = o.Kind == "template" ? o.Payload : null, o.GroupKey, o.Position, o.CreatedAt,
            o.AcceptedAt, o.SentAt, o.DeliveredAt, o.ReadAt, o.FailedAt, o.ErrorCode, o.ErrorReason, o.WaMessageId, o.State,
        }).ToListAsync(ct);

        // Statuses in the CRM log, for rows whose tracking the delivery engine has not applied (or not yet).
        var wamids = list.Where(o => o.WaMessageId is not null).Select(o => o.WaMessageId!).Distinct(StringComparer.Ordinal).ToList();
        var statuses = new List<(string? WaMessageId, string? Context, string Type, DateTime At, int? ErrorCode, string? ErrorDetails)>();
        foreach (var chunk in wamids.Chunk(500))
        {
            var found = await db.Set<Interaction>().AsNoTracking()
                .Where(i => i.Direction == "status" && i.WaMessageId != null && chunk.Contains(i.WaMessageId))
                .Select(i => new { i.WaMessageId, i.Context, i.Type, i.At, i.ErrorCode, i.ErrorDetails }).ToListAsync(ct);
            statuses.AddRange(found.Select(f => (f.WaMessageId, f.Context, f.Type, f.At, f.ErrorCode, f.ErrorDetails)));
        }

        var byWamid = statuses.ToLookup(s => s.WaMessageId, StringComparer.Ordinal);
        var result = new List<TrackedMessage>(list.Count);
        foreach (var o in list)
        {
            DateTime? sent = o.SentAt ?? (o.State is OutboxState.Sent or OutboxState.Delivered or OutboxState.Read ? o.AcceptedAt ?? o.CreatedAt : null);
            DateTime? delivered = o.DeliveredAt ?? (o.State is OutboxState.Delivered or OutboxState.Read ? sent : null);
            DateTime? read = o.ReadAt ?? (o.State == OutboxState.Read ? delivered : null);
            DateTime? failed = o.FailedAt ?? (o.State == OutboxState.Failed ? o.CreatedAt : null);
            var code = o.ErrorCode;
            var reason = o.ErrorReason;
            if (o.WaMessageId is not null)
            {
                foreach (var s in byWamid[o.WaMessageId])
                {
                    switch (s.Type)
                    {
                        case "sent": sent = Min(sent, s.At); break;
                        case "delivered": delivered = Min(delivered, s.At); sent ??= s.At; break;
                        case "read": read = Min(read, s.At); delivered ??= s.At; sent ??= s.At; break;
                        case "failed":
                            failed ??= s.At;
                            code ??= s.ErrorCode;
                            reason ??= s.ErrorDetails;
                            break;
                        default: break;
                    }
                }
            }

            result.Add(new TrackedMessage(
                o.Id, o.Recipient, o.Kind, o.Purpose, o.Payload is null ? null : TemplateName(o.Payload), o.GroupKey, o.Position, o.CreatedAt,
                o.AcceptedAt, sent, delivered, read, failed, code, reason, o.WaMessageId, o.State));
        }

        return result;
    }

    private static DateTime? Min(DateTime? a, DateTime b) => a is null || b < a ? b : a;

    /// <summary>The request bodies of these outbox rows, for <see cref="Text"/>; <see cref="LoadAsync"/> leaves them out but for templates.</summary>
    public static async Task<Dictionary<long, string>> PayloadsAsync(HubixDbContext context, List<long> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : await context.Set<OutboxMessage>().AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Payload, ct);

    /// <summary><c>template.name</c> of a template request body.</summary>
    public static string? TemplateName(string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            return doc.RootElement.TryGetProperty("template", out var t) && t.TryGetProperty("name", out var n) ? n.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What a person would read in an outbound message: text body, caption, template name, interactive body.</summary>
    public static string? Text(string kind, string payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (!root.TryGetProperty(kind, out var body))
            {
                return null;
            }

            return kind switch
            {
                "text" => Str(body, "body"),
                "image" or "video" => Str(body, "caption") ?? "[" + kind + "]",
                "document" => Str(body, "caption") ?? Str(body, "filename") ?? "[document]",
                "template" => "[template " + Str(body, "name") + "]",
                "interactive" => body.TryGetProperty("body", out var ib) ? Str(ib, "text") : "[interactive]",
                _ => "[" + kind + "]",
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static void Count(MessageCounts c, TrackedMessage m)
    {
        c.Queued++;
        if (m.IsSent)
        {
            c.Sent++;
        }

        if (m.IsDelivered)
        {
            c.Delivered++;
        }

        if (m.IsRead)
        {
            c.Read++;
        }

        if (m.IsFailed)
        {
            c.Failed++;
            var key = m.ErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
            c.FailedByCode[key] = c.FailedByCode.GetValueOrDefault(key) + 1;
        }
    }
}
