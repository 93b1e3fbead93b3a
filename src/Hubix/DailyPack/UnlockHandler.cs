using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.DailyPack;
using Hubix.Webhooks;
using Hubix.WhatsApp.Messages;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// Inbound messages from advisors: STOP/START, and taps (template quick reply, reply button, text trigger) that
/// deliver a pack. Runs inside the inbox transaction: it only reads and adds rows (outbox included), never calls
/// the network. Texts that are not commands are left alone for the assistant.
/// </summary>
public sealed class UnlockHandler(
    IOptions<UnlockOptions> unlockOptions, IOptions<ContentOptions> contentOptions, ILogger<UnlockHandler> logger) : IInboxHandler
{
    private static readonly HashSet<string> UserKinds = new(StringComparer.Ordinal)
    {
        "text", "button", "button_reply", "list_reply", "image", "document", "audio", "video", "sticker", "location", "contacts",
    };

    private UnlockOptions Options => unlockOptions.Value;

    public async Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct)
    {
        if (evt is not InboundMessage m || !UserKinds.Contains(m.Kind))
        {
            return;
        }

        var db = batch.Db;
        var at = m.Timestamp?.UtcDateTime ?? batch.Now;
        var advisor = await FindAdvisorAsync(db, m, ct);
        if (advisor is null || advisor.DeletedAt is not null)
        {
            await ReplyToUnknownAsync(batch, m, at, ct);
            return;
        }

        var (command, scope, date, packId) = Classify(m);
        switch (command)
        {
            case null:
                return;
            case TextCommandKind.Stop:
                var stopped = ConsentLedger.Change(db, advisor, AdvisorStatus.OptedOut, "keyword", Truncate(m.Payload ?? m.Text, 100), at, batch.Now);
                await ReplyAsync(batch, advisor.Phone, stopped ? Options.OptOutReply : Options.AlreadyOptedOutReply, "consent:" + m.MessageId, at, ct);
                return;
            case TextCommandKind.Start:
                var started = ConsentLedger.Change(db, advisor, AdvisorStatus.Active, "keyword", Truncate(m.Payload ?? m.Text, 100), at, batch.Now);
                await ReplyAsync(batch, advisor.Phone, started ? Options.OptInReply : Options.AlreadyOptedInReply, "consent:" + m.MessageId, at, ct);
                return;
            case TextCommandKind.Unlock:
                await UnlockAsync(batch, m, advisor, scope!, date, packId, at, ct);
                return;
        }
    }

    /// <summary>What the message asks for. Our payloads first; then known words on buttons; then a template tap by context.</summary>
    private static (TextCommandKind? Command, string? Scope, DateOnly? Date, long? PackId) Classify(InboundMessage m)
    {
        switch (m.Kind)
        {
            case "button":
            case "button_reply":
            case "list_reply":
                if (UnlockScopes.TryParsePayload(m.Payload, out var scope, out var date, out var packId))
                {
                    return (TextCommandKind.Unlock, scope, date, packId);
                }

                var word = TextCommands.Recognize(m.Payload) ?? TextCommands.Recognize(m.Text);
                if (word is not null)
                {
                    return (word.Kind, word.Scope, null, null);
                }

                // A quick reply on a template whose payload is not ours (e.g. a label): resolve by context.id.
                return m.Kind == "button" && m.ContextId is not null ? (TextCommandKind.Unlock, UnlockScopes.All, null, null) : (null, null, null, null);
            case "text":
                var cmd = TextCommands.Recognize(m.Payload ?? m.Text);
                return cmd is null ? (null, null, null, null) : (cmd.Kind, cmd.Scope, null, null);
            default:
                return (null, null, null, null);
        }
    }

    private static async Task<Advisor?> FindAdvisorAsync(HubixDbContext db, InboundMessage m, CancellationToken ct)
    {
        if (m.From is not null)
        {
            var byPhone = await db.Set<Advisor>().SingleOrDefaultAsync(a => a.Phone == m.From, ct);
            if (byPhone is not null)
            {
                return byPhone;
            }
        }

        return m.UserId is null ? null : await db.Set<Advisor>().FirstOrDefaultAsync(a => a.UserId == m.UserId, ct);
    }

    private async Task UnlockAsync(InboxBatch batch, InboundMessage m, Advisor advisor, string scope, DateOnly? payloadDate, long? payloadPackId, DateTime at, CancellationToken ct)
    {
        var db = batch.Db;
        var localDate = AdvisorClock.LocalDate(advisor.TimeZone, at);
        PackSummary? pack = null;
        var resolvedBy = "payload";
        if (payloadPackId is { } id)
        {
            pack = await PackResolver.FindByIdAsync(db, id, ct);
        }

        if (pack is null && payloadDate is { } d)
        {
            pack = await PackResolver.FindAsync(db, d, advisor.Categories, ct);
        }

        if (pack is null && payloadDate is null && payloadPackId is null && m.ContextId is not null)
        {
            resolvedBy = "context";
            pack = await FromContextAsync(db, advisor, m.ContextId, ct);
        }

        if (pack is null && payloadDate is null && payloadPackId is null && m.Kind != "button")
        {
            resolvedBy = "today";
            pack = await PackResolver.FindAsync(db, localDate, advisor.Categories, ct);
        }

        if (pack is null || pack.ItemCount == 0)
        {
            var missing = payloadDate ?? localDate;
            logger.LogInformation("Tap {WaMessageId} from {Phone}: no pack ({ResolvedBy})", m.MessageId, advisor.Phone, resolvedBy);
            await ReplyAsync(batch, advisor.Phone, Options.NoPackReply.Replace("{date}", ContentRender.FormatDate(missing), StringComparison.Ordinal),
                "unlock-nopack:" + m.MessageId, at, ct);
            return;
        }

        var previous = await db.Set<UnlockRecord>()
            .Where(u => u.AdvisorId == advisor.Id && u.PackId == pack.Id && u.LocalDate == localDate).ToListAsync(ct);
        previous.AddRange(db.ChangeTracker.Entries<UnlockRecord>()
            .Where(e => e.State == EntityState.Added && e.Entity.AdvisorId == advisor.Id && e.Entity.PackId == pack.Id && e.Entity.LocalDate == localDate)
            .Select(e => e.Entity));
        await UnlockTracker.RefreshAsync(db, previous, ct);

        // A tap while the same content is still on its way sends nothing new (the first delivery continues).
        if (previous.Any(u => u.State == UnlockState.Delivering && (u.Scope == scope || u.Scope == UnlockScopes.All)))
        {
            logger.LogInformation("Tap {WaMessageId} from {Phone}: pack {PackId} already on its way", m.MessageId, advisor.Phone, pack.Id);
            return;
        }

        var sameScope = previous.Count(u => u.Scope == scope);
        if (sameScope >= Options.MaxPerDay)
        {
            var text = Options.CapReply.Replace("{max}", Options.MaxPerDay.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            await ReplyAsync(batch, advisor.Phone, text, Invariant($"unlock-cap:{advisor.Phone}:{pack.Id}:{scope}:{localDate:yyyy-MM-dd}"), at, ct);
            return;
        }

        var items = await PackResolver.ItemsWithoutBytesAsync(db, pack.Id, ct);
        var inScope = items.Where(i => UnlockScopes.Includes(scope, i.Kind)).ToList();
        if (inScope.Count == 0)
        {
            await ReplyAsync(batch, advisor.Phone, Options.NoPackReply.Replace("{date}", ContentRender.FormatDate(pack.Date), StringComparison.Ordinal),
                "unlock-nopack:" + m.MessageId, at, ct);
            return;
        }

        var sequence = sameScope + 1;
        var group = Invariant($"{UnlockTracker.GroupPrefix}{advisor.Phone}:{pack.Id}:{scope}:{localDate:yyyy-MM-dd}:{sequence}");
        var expires = at + Options.Window;
        var requests = new List<OutboxRequest>();
        var skipped = 0;
        foreach (var item in inScope)
        {
            var message = ContentRender.ToMessage(item, advisor.Phone, advisor.Name, pack.Date, batch.Now, contentOptions.Value);
            if (message is null)
            {
                skipped++;
                continue;
            }

            requests.Add(new OutboxRequest(message, Invariant($"{group}:{item.Id}"), "unlock", group, requests.Count, expires));
        }

        var unlock = new UnlockRecord
        {
            AdvisorId = advisor.Id,
            Phone = advisor.Phone,
            PackId = pack.Id,
            PackDate = pack.Date,
            Scope = scope,
            Sequence = sequence,
            LocalDate = localDate,
            GroupKey = group,
            TapMessageId = m.MessageId,
            TapKind = m.Kind,
            ResolvedBy = resolvedBy,
            TappedAt = at,
            CreatedAt = batch.Now,
            ItemCount = requests.Count,
            SkippedItems = skipped,
            State = requests.Count == 0 ? UnlockState.Failed : UnlockState.Delivering,
            FailureReason = requests.Count == 0 ? "media_not_ready" : null,
        };
        db.Add(unlock);
        await Outbox.EnqueueAsync(db, requests, batch.Now, ct);
        // The inbox worker wakes the dispatcher after any batch that added outbox rows (DeliveryStatusHandler).
        logger.LogInformation("Unlock {Group}: {Count} item(s) queued for {Phone}", group, requests.Count, advisor.Phone);
    }

    /// <summary>context.id → our daily template's outbox row (by wamid) → the daily send → its pack. Yesterday's button gets yesterday's pack.</summary>
    private static async Task<PackSummary?> FromContextAsync(HubixDbContext db, Advisor advisor, string contextId, CancellationToken ct)
    {
        var key = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.WaMessageId == contextId && o.Purpose == "daily")
            .Select(o => o.IdempotencyKey).FirstOrDefaultAsync(ct);
        if (key is null)
        {
            return null;
        }

        var packId = await db.Set<DailySend>().AsNoTracking().Where(s => s.OutboxKey == key && s.PackId != null).Select(s => s.PackId).FirstOrDefaultAsync(ct);
        return packId is { } id ? await PackResolver.FindByIdAsync(db, id, ct) : null;
    }

    private async Task ReplyToUnknownAsync(InboxBatch batch, InboundMessage m, DateTime at, CancellationToken ct)
    {
        var who = m.From ?? m.UserId;
        if (who is null)
        {
            return;
        }

        var db = batch.Db;
        var sender = db.ChangeTracker.Entries<UnknownSender>().Select(e => e.Entity).FirstOrDefault(s => s.Phone == who)
            ?? await db.Set<UnknownSender>().SingleOrDefaultAsync(s => s.Phone == who, ct);
        if (sender is null)
        {
            sender = new UnknownSender { Phone = who, FirstSeenAt = at };
            db.Add(sender);
        }

        sender.LastSeenAt = at > sender.LastSeenAt ? at : sender.LastSeenAt;
        sender.MessageCount++;
        sender.LastKind = m.Kind;
        sender.LastText = Truncate(m.Text ?? m.Payload, 512);
        sender.ProfileName = Truncate(m.ProfileName, 256) ?? sender.ProfileName;
        if (m.From is null || !IsAddressable(m.From))
        {
            return; // username-only user, or a sender that is no phone number: recorded for the operator, no reply.
        }

        await ReplyAsync(batch, m.From, Options.UnknownSenderReply, Invariant($"unknown:{m.From}:{DateOnly.FromDateTime(at):yyyy-MM-dd}"), at, ct);
    }

    /// <summary>A wa_id we can send to: digits only, as Meta's recipients are.</summary>
    private static bool IsAddressable(string phone) => phone.Length is >= 5 and <= 20 && phone.All(char.IsAsciiDigit);

    private static Task ReplyAsync(InboxBatch batch, string phone, string text, string key, DateTime at, CancellationToken ct) =>
        Outbox.EnqueueAsync(batch.Db, new OutboxRequest(OutboundMessage.Text(phone, text), key, "system", ExpiresAt: at + TimeSpan.FromHours(24)), batch.Now, ct);

    private static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
