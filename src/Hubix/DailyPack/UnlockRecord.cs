using Hubix.Data;
using Hubix.Delivery;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.DailyPack;

/// <summary>delivering → delivered (every item accepted by Meta), partial (some accepted, then one failed, e.g. window_expired), failed (none).</summary>
public enum UnlockState
{
    Delivering = 0,
    Delivered = 1,
    Partial = 2,
    Failed = 3,
}

/// <summary>One tap that started a delivery: who, which pack and button, and how the delivery went.</summary>
public sealed class UnlockRecord
{
    public long Id { get; set; }
    public long AdvisorId { get; set; }
    public required string Phone { get; set; }
    public long PackId { get; set; }
    public DateOnly PackDate { get; set; }

    /// <summary><see cref="UnlockScopes"/>: all, images, posts, updates.</summary>
    public required string Scope { get; set; }

    /// <summary>1 for the first delivery of this pack and button on <see cref="LocalDate"/>, then 2, 3 (capped).</summary>
    public int Sequence { get; set; }

    /// <summary>The advisor's local date of the tap (the per-day cap counts by it).</summary>
    public DateOnly LocalDate { get; set; }

    /// <summary>The outbox group of the items: <c>unlock:{phone}:{pack}:{scope}:{date}:{seq}</c>.</summary>
    public required string GroupKey { get; set; }

    /// <summary>wamid of the tap (unique: one unlock per tap).</summary>
    public required string TapMessageId { get; set; }

    /// <summary>button (template quick reply), button_reply, list_reply, text.</summary>
    public required string TapKind { get; set; }

    /// <summary>What resolved the pack: payload, context, today.</summary>
    public required string ResolvedBy { get; set; }

    /// <summary>Meta's timestamp of the tap; the window runs from it.</summary>
    public DateTime TappedAt { get; set; }

    public DateTime CreatedAt { get; set; }
    public UnlockState State { get; set; }
    public int ItemCount { get; set; }

    /// <summary>Items left out because their media was not uploaded yet (and no public link is configured).</summary>
    public int SkippedItems { get; set; }

    /// <summary>The advisor's language when they asked (<c>Advisor.Language</c>); the metrics count packs by it.</summary>
    public string? AdvisorLanguage { get; set; }

    /// <summary>
    /// The pack's language variant sent (<see cref="Content.PackLanguages"/>): items without a language plus those in this
    /// one. Null when nothing was chosen (a pack with no approved version). A resend sends the same variant.
    /// </summary>
    public string? PackLanguage { get; set; }

    /// <summary>The advisor's language had no items in the pack, so <see cref="PackLanguage"/> is another (the default).</summary>
    public bool LanguageFallback { get; set; }

    public DateTime? FirstAcceptedAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? FailureReason { get; set; }
}

internal sealed class UnlockRecordConfiguration : IEntityTypeConfiguration<UnlockRecord>
{
    public void Configure(EntityTypeBuilder<UnlockRecord> b)
    {
        b.ToTable("Unlocks");
        b.HasIndex(x => x.TapMessageId).IsUnique();
        b.HasIndex(x => x.GroupKey).IsUnique();
        b.HasIndex(x => new { x.AdvisorId, x.PackId, x.Scope, x.LocalDate, x.Sequence }).IsUnique();
        b.HasIndex(x => new { x.PackDate, x.Phone });
        // UnlockProgress's sweep of the unlocks still delivering: a seek, however many days of unlocks are kept.
        b.HasIndex(x => new { x.State, x.Id });
        // The unlocks list (by pack date, newest first) and the timeline and daily report (one phone by tap time).
        b.HasIndex(x => new { x.PackDate, x.Id });
        b.HasIndex(x => new { x.Phone, x.TappedAt, x.Id });
        b.Property(x => x.Phone).HasMaxLength(20);
        b.Property(x => x.Scope).HasMaxLength(16);
        b.Property(x => x.GroupKey).HasMaxLength(200);
        b.Property(x => x.TapMessageId).HasMaxLength(256);
        b.Property(x => x.TapKind).HasMaxLength(32);
        b.Property(x => x.ResolvedBy).HasMaxLength(16);
        b.Property(x => x.FailureReason).HasMaxLength(512);
        b.Property(x => x.AdvisorLanguage).HasMaxLength(16);
        b.Property(x => x.PackLanguage).HasMaxLength(16);
    }
}

/// <summary>
/// Derives an unlock's state from its outbox rows, so it never drifts from what the dispatcher did. Called
/// lazily when unlocks are read or a new tap arrives; the delivery engine may call
/// <see cref="RefreshAsync(HubixDbContext, IReadOnlyCollection{string}, CancellationToken)"/> with the group keys
/// of rows it just moved (a status or failed hook).
/// </summary>
public static class UnlockTracker
{
    public const string GroupPrefix = "unlock:";

    public sealed record RowView(string? GroupKey, OutboxState State, DateTime? AcceptedAt, DateTime? FailedAt, string? ErrorReason, int? ErrorCode);

    /// <summary>Pure: the state that these rows (one group) mean.</summary>
    public static void Apply(UnlockRecord unlock, IReadOnlyList<RowView> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var accepted = rows.Where(r => r.State is >= OutboxState.Accepted and <= OutboxState.Read).ToList();
        // A cancelled item (the advisor opted out while the pack was on its way) counts like a failed one: the pack did not
        // arrive whole, so it is partial (some items went) or failed (none did), with the reason (opted_out) to show why.
        // It is not delivered, and not left delivering: nothing more of it will ever be sent.
        var failed = rows.Where(r => r.State is OutboxState.Failed or OutboxState.Cancelled).ToList();
        unlock.FirstAcceptedAt = accepted.Select(r => r.AcceptedAt).Where(a => a is not null).Min() ?? unlock.FirstAcceptedAt;
        if (failed.Count > 0)
        {
            unlock.State = accepted.Count > 0 ? UnlockState.Partial : UnlockState.Failed;
            var first = failed.OrderBy(r => r.FailedAt).First();
            unlock.FailureReason = first.ErrorReason ?? (first.ErrorCode is { } c ? "error " + c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "failed");
            unlock.FinishedAt = failed.Max(r => r.FailedAt);
        }
        else if (accepted.Count == rows.Count)
        {
            unlock.State = UnlockState.Delivered;
            unlock.DeliveredAt = accepted.Select(r => r.AcceptedAt).Max();
            unlock.FinishedAt = unlock.DeliveredAt;
        }
        else
        {
            unlock.State = UnlockState.Delivering;
        }
    }

    /// <summary>Recomputes the given (tracked) unlocks that are still delivering; the caller saves.</summary>
    public static async Task RefreshAsync(HubixDbContext db, IReadOnlyCollection<UnlockRecord> unlocks, CancellationToken ct)
    {
        var open = unlocks.Where(u => u.State == UnlockState.Delivering).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var keys = open.Select(u => u.GroupKey).ToList();
        var rows = new List<RowView>();
        foreach (var chunk in keys.Chunk(200))
        {
            rows.AddRange(await db.Set<OutboxMessage>().AsNoTracking().Where(o => chunk.Contains(o.GroupKey))
                .Select(o => new RowView(o.GroupKey, o.State, o.AcceptedAt, o.FailedAt, o.ErrorReason, o.ErrorCode)).ToListAsync(ct));
        }

        // Rows added in this unit of work but not saved yet.
        rows.AddRange(db.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Added && e.Entity.GroupKey != null && keys.Contains(e.Entity.GroupKey))
            .Select(e => new RowView(e.Entity.GroupKey, e.Entity.State, e.Entity.AcceptedAt, e.Entity.FailedAt, e.Entity.ErrorReason, e.Entity.ErrorCode)));
        var byGroup = rows.GroupBy(r => r.GroupKey!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<RowView>)g.ToList(), StringComparer.Ordinal);
        foreach (var u in open)
        {
            if (byGroup.TryGetValue(u.GroupKey, out var list))
            {
                Apply(u, list);
            }
        }
    }

    /// <summary>Hook for the delivery engine: recompute the unlocks of these outbox groups (non-unlock keys are ignored). Caller saves.</summary>
    public static async Task RefreshAsync(HubixDbContext db, IReadOnlyCollection<string> groupKeys, CancellationToken ct)
    {
        var keys = groupKeys.Where(k => k.StartsWith(GroupPrefix, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        var unlocks = await db.Set<UnlockRecord>().Where(u => keys.Contains(u.GroupKey)).ToListAsync(ct);
        await RefreshAsync(db, unlocks, ct);
    }
}
