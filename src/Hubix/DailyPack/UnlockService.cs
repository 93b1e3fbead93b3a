using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// What is asked for. A tap or a typed trigger: <see cref="RequestId"/> is the advisor's message wamid (unique per unlock,
/// so the same request never unlocks twice), and the pack comes from the payload (<see cref="PackId"/>,
/// <see cref="PackDate"/>), else from the template tapped (<see cref="ContextId"/>), else today's. A resend
/// (<see cref="ResendOf"/>): the items of that unlock that Meta never accepted, in the window of the advisor's last message.
/// </summary>
/// <param name="Scope">One of <see cref="UnlockScopes"/>.</param>
/// <param name="Kind">button (template quick reply), button_reply, list_reply, text, or resend.</param>
/// <param name="At">Meta's timestamp of the request (the window runs from it), or now for a resend.</param>
public sealed record UnlockRequest(
    string Scope,
    string RequestId,
    string Kind,
    DateTime At,
    DateOnly? PackDate = null,
    long? PackId = null,
    string? ContextId = null,
    UnlockRecord? ResendOf = null)
{
    public bool IsResend => ResendOf is not null;
}

public enum UnlockOutcome
{
    /// <summary>The items are queued: <see cref="UnlockResult.Unlock"/> is delivering.</summary>
    Queued,

    /// <summary>The same content is still on its way from an earlier request; nothing new was queued.</summary>
    AlreadyOnItsWay,

    /// <summary>The advisor had this pack and button <see cref="UnlockOptions.MaxPerDay"/> times today; they were told.</summary>
    LimitReached,

    /// <summary>No pack (or nothing in this scope) for that day; a tap's advisor was told.</summary>
    NoPack,

    /// <summary>None of the items can be sent yet (media not uploaded); a tap records a failed unlock.</summary>
    NotReady,

    /// <summary>Free-form content would fail with 131047: the advisor's last message is older than the window.</summary>
    WindowClosed,

    /// <summary>A resend found every item already accepted.</summary>
    NothingMissing,

    /// <summary>The advisor was deleted.</summary>
    AdvisorGone,

    /// <summary>The pack has no approved version (<c>Hubix:Content:RequireApproval</c>): a failed unlock records <c>pack_not_approved</c>.</summary>
    NotApproved,
}

/// <param name="Unlock">The unlock recorded (queued, or failed for <see cref="UnlockOutcome.NotReady"/>), if any.</param>
/// <param name="Replied">The advisor was sent an answer (no pack, daily limit): the caller need not say more.</param>
/// <param name="Detail">A sentence for logs and operators.</param>
public sealed record UnlockResult(UnlockOutcome Outcome, UnlockRecord? Unlock, bool Replied, string Detail);

/// <summary>
/// Unlocking a pack: the one use case behind a tap on the daily template, a typed trigger, the assistant's unlock intents
/// and the operator's resend. In the caller's unit of work it resolves the pack, applies the "already on its way" check
/// and the per-day cap, renders the items for the advisor, records the <see cref="UnlockRecord"/> and queues the items as
/// one outbox group (strictly in order). It does no network I/O: a resend uploads media before it calls this.
/// </summary>
public sealed class UnlockService(
    Outbox outbox, LiveFeed feed, IOptions<UnlockOptions> unlockOptions, IOptions<ContentOptions> contentOptions, ILogger<UnlockService> logger)
{
    /// <summary><see cref="UnlockRecord.TapKind"/> and <see cref="UnlockRecord.ResolvedBy"/> of an unlock made by a resend.</summary>
    public const string ResendKind = "resend";

    private UnlockOptions Options => unlockOptions.Value;

    public async Task<UnlockResult> UnlockAsync(UnitOfWork work, Advisor advisor, UnlockRequest request, CancellationToken ct)
    {
        if (advisor.DeletedAt is not null)
        {
            return new UnlockResult(UnlockOutcome.AdvisorGone, null, false, "The advisor was deleted.");
        }

        if (request.IsResend && WindowClosed(advisor, work.Now) is { } closed)
        {
            return new UnlockResult(UnlockOutcome.WindowClosed, null, false, closed);
        }

        var localDate = request.ResendOf?.LocalDate ?? AdvisorClock.LocalDate(advisor.TimeZone, request.At);
        var (pack, resolvedBy) = await ResolvePackAsync(work.Db, advisor, request, localDate, ct);
        if (pack is { Approved: false })
        {
            return await NotApprovedAsync(work, advisor, request, pack, localDate, resolvedBy, ct);
        }

        if (pack is null || pack.ItemCount == 0)
        {
            return await NoPackAsync(work, advisor, request, request.PackDate ?? localDate, ct);
        }

        var siblings = await SiblingsAsync(work.Db, advisor.Id, pack.Id, localDate, ct);
        if (siblings.FirstOrDefault(u => u.State == UnlockState.Delivering && (u.Scope == request.Scope || u.Scope == UnlockScopes.All)) is { } onItsWay)
        {
            logger.LogInformation("Unlock request {RequestId} from {Phone}: pack {PackId} already on its way (unlock {UnlockId})",
                request.RequestId, advisor.Phone, pack.Id, onItsWay.Id);
            return new UnlockResult(UnlockOutcome.AlreadyOnItsWay, onItsWay, false, Invariant($"Unlock {onItsWay.Id} of the same pack is still on its way."));
        }

        var sameScope = siblings.Where(u => u.Scope == request.Scope).ToList();
        if (!request.IsResend && sameScope.Count >= Options.MaxPerDay)
        {
            var text = Options.CapReply.Replace("{max}", Options.MaxPerDay.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            await outbox.ReplyAsync(work, advisor.Phone, text, Invariant($"unlock-cap:{advisor.Phone}:{pack.Id}:{request.Scope}:{localDate:yyyy-MM-dd}"), request.At, ct);
            return new UnlockResult(UnlockOutcome.LimitReached, null, true, Invariant($"Already delivered {sameScope.Count} times today."));
        }

        var (items, language) = await ItemsToSendAsync(work.Db, pack, request, advisor.Language, contentOptions.Value.DefaultLanguage, ct);
        if (items.Count == 0)
        {
            return request.IsResend
                ? new UnlockResult(UnlockOutcome.NothingMissing, null, false, Invariant($"Every item of unlock {request.ResendOf!.Id} was accepted, or the pack has none left; nothing to resend."))
                : await NoPackAsync(work, advisor, request, pack.Date, ct);
        }

        // A tap is the n-th delivery of this pack and button today; a resend comes after every earlier one.
        var sequence = request.ResendOf is { } original
            ? sameScope.Select(u => u.Sequence).Append(original.Sequence).Max() + 1
            : sameScope.Count + 1;

        return await QueueAsync(work, advisor, request, pack, localDate, sequence, resolvedBy, items, language, ct);
    }

    /// <summary>A draft is never sent: the tap is recorded as a failed unlock (<c>pack_not_approved</c>) and the advisor hears there is no pack yet.</summary>
    private async Task<UnlockResult> NotApprovedAsync(
        UnitOfWork work, Advisor advisor, UnlockRequest request, PackSummary pack, DateOnly localDate, string resolvedBy, CancellationToken ct)
    {
        var detail = Invariant($"Pack {pack.Id} has no approved version; nothing is sent until an admin approves it.");
        if (request.IsResend)
        {
            return new UnlockResult(UnlockOutcome.NotApproved, null, false, detail);
        }

        var siblings = await SiblingsAsync(work.Db, advisor.Id, pack.Id, localDate, ct);
        var sequence = siblings.Where(u => u.Scope == request.Scope).Select(u => u.Sequence).DefaultIfEmpty(0).Max() + 1;
        var recorded = await QueueAsync(work, advisor, request, pack, localDate, sequence, resolvedBy, [], null, ct, PackStates.NotApprovedReason);
        await outbox.ReplyAsync(work, advisor.Phone, Options.NoPackReply.Replace("{date}", ContentRender.FormatDate(pack.Date), StringComparison.Ordinal),
            "unlock-nopack:" + request.RequestId, request.At, ct);
        logger.LogInformation("Unlock request {RequestId} from {Phone}: pack {PackId} is not approved", request.RequestId, advisor.Phone, pack.Id);
        return new UnlockResult(UnlockOutcome.NotApproved, recorded.Unlock, true, detail);
    }

    /// <summary>The items in order, rendered and queued as one outbox group, and the unlock that tracks them.</summary>
    private async Task<UnlockResult> QueueAsync(
        UnitOfWork work, Advisor advisor, UnlockRequest request, PackSummary pack, DateOnly localDate, int sequence, string resolvedBy,
        List<ContentItem> items, PackLanguageChoice? language, CancellationToken ct, string? failure = null)
    {
        var group = Invariant($"{UnlockTracker.GroupPrefix}{advisor.Phone}:{pack.Id}:{request.Scope}:{localDate:yyyy-MM-dd}:{sequence}");
        var expires = (request.IsResend ? advisor.LastInboundAt!.Value : request.At) + Options.Window;
        var requests = new List<OutboxRequest>();
        var skipped = 0;
        foreach (var item in items)
        {
            var message = ContentRender.ToMessage(item, advisor.Phone, advisor.Name, pack.Date, work.Now, contentOptions.Value);
            if (message is null)
            {
                skipped++;
                continue;
            }

            // The first item is what the advisor is waiting for; the rest may share the rate with other work.
            var priority = requests.Count == 0 ? OutboxPriority.Waiting : OutboxPriority.Background;
            requests.Add(new OutboxRequest(message, Invariant($"{group}:{item.Id}"), OutboxPurpose.Unlock, priority, group, requests.Count, expires,
                PackId: pack.Id, PackVersion: item.Version));
        }

        if (requests.Count == 0 && request.IsResend)
        {
            return new UnlockResult(UnlockOutcome.NotReady, null, false, Invariant($"The media of the {items.Count} missing item(s) is not uploaded yet; nothing was queued."));
        }

        var unlock = new UnlockRecord
        {
            AdvisorId = advisor.Id,
            Phone = advisor.Phone,
            PackId = pack.Id,
            PackDate = pack.Date,
            Scope = request.Scope,
            Sequence = sequence,
            LocalDate = localDate,
            GroupKey = group,
            TapMessageId = request.IsResend ? Invariant($"resend:{request.ResendOf!.Id}:{sequence}") : request.RequestId,
            TapKind = request.Kind,
            ResolvedBy = resolvedBy,
            TappedAt = request.At,
            CreatedAt = work.Now,
            ItemCount = requests.Count,
            SkippedItems = skipped,
            AdvisorLanguage = request.ResendOf?.AdvisorLanguage ?? advisor.Language,
            PackLanguage = language?.Language,
            LanguageFallback = language?.Fallback ?? false,
            State = requests.Count == 0 ? UnlockState.Failed : UnlockState.Delivering,
            FailureReason = requests.Count == 0 ? failure ?? "media_not_ready" : null,
        };
        work.Db.Add(unlock);
        await outbox.EnqueueAsync(work, requests, ct);
        // The pack on the live feed as it starts (UnlockProgress announces how it ends), once the unlock has its id.
        work.AfterSave(() => work.Publish(feed, UnlockProgress.PackEvent(unlock, work.Now)));

        logger.LogInformation("Unlock {Group}: {Count} item(s) queued for {Phone} ({Kind}), until {ExpiresAt:o}", group, requests.Count, advisor.Phone, request.Kind, expires);
        return requests.Count == 0
            ? new UnlockResult(UnlockOutcome.NotReady, unlock, false, "None of the items' media is uploaded yet.")
            : new UnlockResult(UnlockOutcome.Queued, unlock, false,
                Invariant($"{requests.Count} item(s) of pack {pack.Id} queued; they expire at {expires:yyyy-MM-dd HH:mm} UTC."));
    }

    private string? WindowClosed(Advisor advisor, DateTime now) => advisor.LastInboundAt switch
    {
        null => "The advisor has never written to us, so WhatsApp allows only templates; nothing was queued.",
        { } last when last + Options.Window <= now =>
            Invariant($"The customer-service window closed at {last + Options.Window:yyyy-MM-dd HH:mm} UTC ({Options.Window.TotalHours:0.#} h after the advisor's last message); free-form content would fail with 131047. Nothing was queued; it can be resent when they write or tap again."),
        _ => null,
    };

    /// <summary>Which pack: the resend's, else the payload's (id, then date), else the template tapped, else today's.</summary>
    private static async Task<(PackSummary? Pack, string ResolvedBy)> ResolvePackAsync(
        HubixDbContext db, Advisor advisor, UnlockRequest request, DateOnly localDate, CancellationToken ct)
    {
        if (request.ResendOf is { } original)
        {
            return (await PackResolver.FindByIdAsync(db, original.PackId, ct), ResendKind);
        }

        if (request.PackId is { } id && await PackResolver.FindByIdAsync(db, id, ct) is { } byId)
        {
            return (byId, "payload");
        }

        if (request.PackDate is { } d)
        {
            return (await PackResolver.FindAsync(db, d, advisor.Categories, ct), "payload");
        }

        if (request.PackId is not null)
        {
            return (null, "payload");
        }

        if (request.ContextId is not null && await FromTemplateAsync(db, request.ContextId, ct) is { } byContext)
        {
            return (byContext, "context");
        }

        // A template quick reply whose template we cannot find gets no "today" guess: the advisor tapped a specific day.
        return request.Kind == "button"
            ? (null, "context")
            : (await PackResolver.FindAsync(db, localDate, advisor.Categories, ct), "today");
    }

    /// <summary>context.id → our daily template's outbox row (by wamid) → the daily send → its pack. Yesterday's button gets yesterday's pack.</summary>
    private static async Task<PackSummary?> FromTemplateAsync(HubixDbContext db, string contextId, CancellationToken ct)
    {
        var daily = Outbox.Name(OutboxPurpose.Daily);
        var key = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.WaMessageId == contextId && o.Purpose == daily)
            .Select(o => o.IdempotencyKey).FirstOrDefaultAsync(ct);
        if (key is null)
        {
            return null;
        }

        var packId = await db.Set<DailySend>().AsNoTracking().Where(s => s.OutboxKey == key && s.PackId != null).Select(s => s.PackId).FirstOrDefaultAsync(ct);
        return packId is { } id ? await PackResolver.FindByIdAsync(db, id, ct) : null;
    }

    /// <summary>The advisor's unlocks of this pack and day, tracked and brought up to date from their outbox rows.</summary>
    private static async Task<List<UnlockRecord>> SiblingsAsync(HubixDbContext db, long advisorId, long packId, DateOnly localDate, CancellationToken ct)
    {
        var siblings = await db.Set<UnlockRecord>().Where(u => u.AdvisorId == advisorId && u.PackId == packId && u.LocalDate == localDate).ToListAsync(ct);
        siblings.AddRange(db.ChangeTracker.Entries<UnlockRecord>()
            .Where(e => e.State == EntityState.Added && e.Entity.AdvisorId == advisorId && e.Entity.PackId == packId && e.Entity.LocalDate == localDate)
            .Select(e => e.Entity));
        await UnlockTracker.RefreshAsync(db, siblings, ct);
        return siblings;
    }

    /// <summary>
    /// The approved version's items in the request's scope and the advisor's language variant (<see cref="PackLanguages"/>:
    /// items for everyone plus those of their language, else of the default language, recorded as a fallback); for a resend,
    /// those of the version and variant the original sent that Meta has not accepted (a newer version approved since, or a
    /// language changed since, does not change what an unlock was).
    /// </summary>
    private static async Task<(List<ContentItem> Items, PackLanguageChoice Language)> ItemsToSendAsync(
        HubixDbContext db, PackSummary pack, UnlockRequest request, string advisorLanguage, string defaultLanguage, CancellationToken ct)
    {
        if (request.ResendOf is not { } original)
        {
            var all = await PackResolver.ItemsWithoutBytesAsync(db, pack.Id, pack.Version!.Value, ct);
            var choice = PackLanguages.Choose(all.Select(i => i.Lang), advisorLanguage, defaultLanguage);
            return (all.Where(i => UnlockScopes.Includes(request.Scope, i.Kind) && PackLanguages.Includes(i.Lang, choice.Language)).ToList(), choice);
        }

        var rows = await db.Set<OutboxMessage>().AsNoTracking().Where(o => o.GroupKey == original.GroupKey)
            .Select(o => new { o.IdempotencyKey, o.State, o.PackVersion }).ToListAsync(ct);
        var version = rows.Select(r => r.PackVersion).FirstOrDefault(v => v is not null) ?? pack.Version!.Value;
        var items = await PackResolver.ItemsWithoutBytesAsync(db, pack.Id, version, ct);
        // An unlock from before languages were recorded sent every item (no item had a language then).
        var sent = original.PackLanguage is { } l
            ? new PackLanguageChoice(l, original.LanguageFallback)
            : PackLanguages.Choose(items.Select(i => i.Lang), advisorLanguage, defaultLanguage);
        var accepted = rows.Where(r => r.State is >= OutboxState.Accepted and <= OutboxState.Read)
            .Select(r => ItemId(r.IdempotencyKey, original.GroupKey)).OfType<long>().ToHashSet();
        return (items.Where(i => UnlockScopes.Includes(request.Scope, i.Kind) && PackLanguages.Includes(i.Lang, sent.Language) && !accepted.Contains(i.Id)).ToList(), sent);
    }

    private async Task<UnlockResult> NoPackAsync(UnitOfWork work, Advisor advisor, UnlockRequest request, DateOnly date, CancellationToken ct)
    {
        if (request.IsResend)
        {
            return new UnlockResult(UnlockOutcome.NoPack, null, false, "The pack has no items left in this scope; nothing to resend.");
        }

        logger.LogInformation("Unlock request {RequestId} from {Phone}: no pack for {Date}", request.RequestId, advisor.Phone, date);
        await outbox.ReplyAsync(work, advisor.Phone, Options.NoPackReply.Replace("{date}", ContentRender.FormatDate(date), StringComparison.Ordinal),
            "unlock-nopack:" + request.RequestId, request.At, ct);
        return new UnlockResult(UnlockOutcome.NoPack, null, true, Invariant($"No pack for {date:yyyy-MM-dd}."));
    }

    /// <summary>The content item id at the end of a pack message's idempotency key (<c>{group}:{itemId}</c>).</summary>
    internal static long? ItemId(string idempotencyKey, string group) =>
        idempotencyKey.Length > group.Length + 1 && idempotencyKey.StartsWith(group + ":", StringComparison.Ordinal)
        && long.TryParse(idempotencyKey.AsSpan(group.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
