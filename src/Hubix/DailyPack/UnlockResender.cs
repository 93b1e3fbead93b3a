using System.Globalization;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.Data;
using Hubix.Operators;
using Microsoft.EntityFrameworkCore;

namespace Hubix.DailyPack;

/// <summary>Result of <see cref="UnlockResender.ResendAsync"/>.</summary>
public enum ResendOutcome
{
    /// <summary>No unlock with that id.</summary>
    NotFound,

    /// <summary>Nothing was queued (the pack is not failed or partial, the window is closed, nothing is missing ...).</summary>
    NotResendable,

    /// <summary>The missing messages were queued again, as a new unlock.</summary>
    Resent,
}

/// <summary>
/// <c>POST /api/unlocks/{id}/resend</c>: the items of a failed or partial pack that Meta never accepted go out again as a
/// new unlock of the same pack and scope, through <see cref="UnlockService"/> like a tap. It checks what only an
/// operator's request needs (the unlock exists and failed), and, since a request may do network I/O where the inbox may
/// not, makes sure the pack's media ids are fresh first.
/// </summary>
public sealed class UnlockResender(HubixDb db, UnlockService unlocks, MediaUploader uploader, TimeProvider time, ILogger<UnlockResender> logger)
{
    /// <summary><see cref="UnlockRecord.TapKind"/> of an unlock made by a resend.</summary>
    public const string ResendKind = UnlockService.ResendKind;

    /// <param name="actor">Who asked for it, for the audit entry written with the resend (null: not audited, e.g. a test).</param>
    public async Task<(ResendOutcome Outcome, string Detail)> ResendAsync(long unlockId, CancellationToken ct, string? actor = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await TryResendAsync(unlockId, actor, ct);
            }
            catch (DbUpdateException ex) when (attempt < 2)
            {
                // Another resend (a double click) or a tap took the same sequence first; look again.
                logger.LogInformation("Resend of unlock {UnlockId} collided ({Error}); looking again", unlockId, ex.InnerException?.Message ?? ex.Message);
            }
        }
    }

    private async Task<(ResendOutcome Outcome, string Detail)> TryResendAsync(long unlockId, string? actor, CancellationToken ct)
    {
        await using (var context = db.CreateDbContext())
        {
            var packId = await context.Set<UnlockRecord>().Where(u => u.Id == unlockId).Select(u => (long?)u.PackId).SingleOrDefaultAsync(ct);
            if (packId is { } id)
            {
                var mediaIds = await context.Set<ContentItem>().Where(i => i.PackId == id && i.MediaId != null).Select(i => i.MediaId!.Value).ToListAsync(ct);
                await uploader.EnsureUploadedAsync(mediaIds, ct);
            }
        }

        await using var work = await UnitOfWork.BeginAsync(db, time.GetUtcNow().UtcDateTime, ct);
        var unlock = await work.Db.Set<UnlockRecord>().SingleOrDefaultAsync(u => u.Id == unlockId, ct);
        if (unlock is null)
        {
            return (ResendOutcome.NotFound, Invariant($"No unlock has id {unlockId}."));
        }

        await UnlockTracker.RefreshAsync(work.Db, [unlock], ct);
        if (unlock.State is not (UnlockState.Failed or UnlockState.Partial))
        {
            await work.CommitAsync(ct); // the refreshed state
            return (ResendOutcome.NotResendable, Invariant($"Unlock {unlockId} is {UnlockEndpoints.StateName(unlock.State)}: only a failed or partial pack can be resent."));
        }

        var advisor = await work.Db.Set<Advisor>().SingleOrDefaultAsync(a => a.Id == unlock.AdvisorId, ct);
        if (advisor is null)
        {
            return (ResendOutcome.NotResendable, "The advisor was deleted.");
        }

        var now = work.Now;
        var result = await unlocks.UnlockAsync(work, advisor,
            new UnlockRequest(unlock.Scope, Invariant($"resend:{unlock.Id}"), UnlockService.ResendKind, now, ResendOf: unlock), ct);
        if (actor is not null && result is { Outcome: UnlockOutcome.Queued, Unlock: { } queued })
        {
            var entry = new AuditNote(actor, AuditActions.Resend, unlock.Phone, Invariant($"unlock {unlock.Id}: {queued.ItemCount} item(s) of pack {unlock.PackId}")).Add(work.Db, now);
            work.AfterSave(() => entry.Detail += Invariant($" as unlock {queued.Id}"));
        }

        await work.CommitAsync(ct);
        if (result is not { Outcome: UnlockOutcome.Queued, Unlock: { } resend })
        {
            return (ResendOutcome.NotResendable, result.Detail);
        }

        logger.LogInformation("Unlock {UnlockId} resent as {ResendId} ({Group}): {Count} item(s) for {Phone}",
            unlock.Id, resend.Id, resend.GroupKey, resend.ItemCount, unlock.Phone);
        return (ResendOutcome.Resent, Invariant($"Unlock {resend.Id} queued {resend.ItemCount} missing item(s) of unlock {unlock.Id}; {result.Detail}"));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
