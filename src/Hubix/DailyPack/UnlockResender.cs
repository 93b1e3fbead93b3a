using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Dashboard;
using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// <c>POST /api/unlocks/{id}/resend</c>: the items of a failed or partial pack that Meta never accepted (failed rows,
/// and items left out because their media was not ready) go out again as a new unlock of the same pack and scope
/// (next sequence, group <c>unlock:…</c>), rendered and enqueued the way a tap does it. Free-form messages need the
/// customer-service window, so the deadline is 24 h (<see cref="UnlockOptions.Window"/>) after the advisor's last
/// message; with the window closed nothing is queued (409).
/// </summary>
internal sealed class UnlockResender(
    HubixDb db,
    IOptions<UnlockOptions> unlockOptions,
    IOptions<ContentOptions> contentOptions,
    MediaUploader uploader,
    OutboxSignal signal,
    LiveFeed feed,
    TimeProvider time,
    ILogger<UnlockResender> logger) : IUnlockResender
{
    /// <summary><see cref="UnlockRecord.TapKind"/> and <see cref="UnlockRecord.ResolvedBy"/> of an unlock made by a resend.</summary>
    public const string ResendKind = "resend";

    public async Task<(ResendOutcome Outcome, string Detail)> ResendAsync(long unlockId, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await TryResendAsync(unlockId, ct);
            }
            catch (DbUpdateException ex) when (attempt < 2)
            {
                // Another resend (a double click) or a tap took the same sequence first; look again.
                logger.LogInformation("Resend of unlock {UnlockId} collided ({Error}); looking again", unlockId, ex.InnerException?.Message ?? ex.Message);
            }
        }
    }

    private async Task<(ResendOutcome Outcome, string Detail)> TryResendAsync(long unlockId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var context = db.CreateDbContext();
        var unlock = await context.Set<UnlockRecord>().SingleOrDefaultAsync(u => u.Id == unlockId, ct);
        if (unlock is null)
        {
            return (ResendOutcome.NotFound, Invariant($"No unlock has id {unlockId}."));
        }

        await UnlockTracker.RefreshAsync(context, [unlock], ct);
        await context.SaveChangesAsync(ct);
        if (unlock.State is not (UnlockState.Failed or UnlockState.Partial))
        {
            return (ResendOutcome.NotResendable, Invariant($"Unlock {unlockId} is {UnlockEndpoints.StateName(unlock.State)}: only a failed or partial pack can be resent."));
        }

        var advisor = await context.Set<Advisor>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == unlock.AdvisorId, ct);
        if (advisor is null || advisor.DeletedAt is not null)
        {
            return (ResendOutcome.NotResendable, "The advisor was deleted.");
        }

        var window = unlockOptions.Value.Window;
        if (advisor.LastInboundAt is not { } lastIn)
        {
            return (ResendOutcome.NotResendable, "The advisor has never written to us, so WhatsApp allows only templates; nothing was queued.");
        }

        if (lastIn + window <= now)
        {
            return (ResendOutcome.NotResendable, Invariant($"The customer-service window closed at {lastIn + window:yyyy-MM-dd HH:mm} UTC ({window.TotalHours:0.#} h after the advisor's last message); free-form content would fail with 131047. Nothing was queued; it can be resent when they write or tap again."));
        }

        // The same pack, scope and day: the others (taps, earlier resends) decide the next sequence.
        var siblings = await context.Set<UnlockRecord>()
            .Where(u => u.AdvisorId == unlock.AdvisorId && u.PackId == unlock.PackId && u.LocalDate == unlock.LocalDate && u.Scope == unlock.Scope && u.Id != unlock.Id)
            .ToListAsync(ct);
        await UnlockTracker.RefreshAsync(context, siblings, ct);
        await context.SaveChangesAsync(ct);
        if (siblings.FirstOrDefault(u => u.State == UnlockState.Delivering) is { } onItsWay)
        {
            return (ResendOutcome.NotResendable, Invariant($"Unlock {onItsWay.Id} of the same pack is still on its way; wait until it finishes."));
        }

        // What Meta accepted of this unlock, by content item id (the idempotency key ends with it).
        var rows = await context.Set<OutboxMessage>().AsNoTracking().Where(o => o.GroupKey == unlock.GroupKey)
            .Select(o => new { o.IdempotencyKey, o.State }).ToListAsync(ct);
        var accepted = rows.Where(r => r.State is >= OutboxState.Accepted and <= OutboxState.Read).Select(r => ItemId(r.IdempotencyKey, unlock.GroupKey))
            .Where(id => id is not null).Select(id => id!.Value).ToHashSet();

        var items = await PackResolver.ItemsWithoutBytesAsync(context, unlock.PackId, ct);
        var missing = items.Where(i => UnlockScopes.Includes(unlock.Scope, i.Kind) && !accepted.Contains(i.Id)).ToList();
        if (missing.Count == 0)
        {
            return (ResendOutcome.NotResendable, Invariant($"Every item of unlock {unlockId} was accepted, or the pack has none left; nothing to resend."));
        }

        // A request may do network I/O (the inbox may not): make sure the media ids are fresh before rendering.
        var mediaIds = missing.Where(i => i.Url is null && i.MediaId is not null).Select(i => i.MediaId!.Value).Distinct().ToList();
        if (mediaIds.Count > 0)
        {
            await uploader.EnsureUploadedAsync(mediaIds, ct);
            var fresh = await context.Set<MediaFile>().AsNoTracking().Where(m => mediaIds.Contains(m.Id))
                .Select(m => new { m.Id, m.CloudMediaId, m.UploadedAt }).ToDictionaryAsync(m => m.Id, ct);
            foreach (var item in missing.Where(i => i.Media is not null && fresh.ContainsKey(i.Media.Id)))
            {
                item.Media!.CloudMediaId = fresh[item.Media.Id].CloudMediaId;
                item.Media.UploadedAt = fresh[item.Media.Id].UploadedAt;
            }
        }

        var sequence = Math.Max(unlock.Sequence, siblings.Select(u => u.Sequence).DefaultIfEmpty(0).Max()) + 1;
        var group = Invariant($"{UnlockTracker.GroupPrefix}{unlock.Phone}:{unlock.PackId}:{unlock.Scope}:{unlock.LocalDate:yyyy-MM-dd}:{sequence}");
        var expires = lastIn + window;
        var requests = new List<OutboxRequest>();
        var skipped = 0;
        foreach (var item in missing)
        {
            var message = ContentRender.ToMessage(item, advisor.Phone, advisor.Name, unlock.PackDate, now, contentOptions.Value);
            if (message is null)
            {
                skipped++;
                continue;
            }

            requests.Add(new OutboxRequest(message, Invariant($"{group}:{item.Id}"), "unlock", group, requests.Count, expires));
        }

        if (requests.Count == 0)
        {
            return (ResendOutcome.NotResendable, Invariant($"The media of the {missing.Count} missing item(s) is not uploaded yet; nothing was queued."));
        }

        var resend = new UnlockRecord
        {
            AdvisorId = unlock.AdvisorId,
            Phone = unlock.Phone,
            PackId = unlock.PackId,
            PackDate = unlock.PackDate,
            Scope = unlock.Scope,
            Sequence = sequence,
            LocalDate = unlock.LocalDate,
            GroupKey = group,
            TapMessageId = Invariant($"resend:{unlock.Id}:{sequence}"),
            TapKind = ResendKind,
            ResolvedBy = ResendKind,
            TappedAt = now,
            CreatedAt = now,
            ItemCount = requests.Count,
            SkippedItems = skipped,
            State = UnlockState.Delivering,
        };
        context.Add(resend);
        await Outbox.EnqueueAsync(context, requests, now, ct);
        await context.SaveChangesAsync(ct);
        signal.Notify();
        logger.LogInformation("Unlock {UnlockId} resent as {ResendId} ({Group}): {Count} item(s) for {Phone}, until {ExpiresAt:o}",
            unlock.Id, resend.Id, group, requests.Count, unlock.Phone, expires);
        feed.Publish(UnlockProgress.PackEvent(resend, now));
        return (ResendOutcome.Resent, Invariant($"Unlock {resend.Id} queued {requests.Count} of the {missing.Count} missing item(s) of unlock {unlock.Id}; they expire at {expires:yyyy-MM-dd HH:mm} UTC."));
    }

    /// <summary>The content item id at the end of a pack message's idempotency key (<c>{group}:{itemId}</c>).</summary>
    internal static long? ItemId(string idempotencyKey, string group) =>
        idempotencyKey.Length > group.Length + 1 && idempotencyKey.StartsWith(group + ":", StringComparison.Ordinal)
        && long.TryParse(idempotencyKey.AsSpan(group.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
