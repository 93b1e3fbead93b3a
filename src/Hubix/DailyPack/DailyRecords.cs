using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.DailyPack;

public enum DailySendState
{
    /// <summary>The template is in the outbox (idempotency key <see cref="DailySend.OutboxKey"/>).</summary>
    Queued = 0,

    /// <summary>Not sent for this day, for <see cref="DailySend.Reason"/> (e.g. after_cutoff).</summary>
    Skipped = 1,
}

/// <summary>
/// The daily template of one advisor for one local date. Unique on (advisor, local date): that index, not
/// memory, is what makes "exactly one per day" hold across restarts and replicas.
/// </summary>
public sealed class DailySend
{
    public long Id { get; set; }
    public long AdvisorId { get; set; }
    public required string Phone { get; set; }
    public DateOnly LocalDate { get; set; }
    public long? PackId { get; set; }
    public DailySendState State { get; set; }
    public string? Reason { get; set; }

    /// <summary><c>daily:{phone}:{localDate}</c>: the outbox row's idempotency key (its wamid resolves a tap's context.id).</summary>
    public string? OutboxKey { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The advisor's language (<c>Advisor.Language</c>) when the day was decided; the metrics count templates by it.</summary>
    public string? AdvisorLanguage { get; set; }

    /// <summary>The daily template's language code sent (queued sends).</summary>
    public string? TemplateLanguage { get; set; }

    /// <summary>True when the advisor's language had no sendable template and the default language's was sent.</summary>
    public bool LanguageFallback { get; set; }
}

/// <summary>One run of the daily send (a scheduler tick that had work, or a manual send) and why advisors were not sent to.</summary>
public sealed class DailyRun
{
    public long Id { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime FinishedAt { get; set; }

    /// <summary>scheduler, cli, api, demo.</summary>
    public required string Trigger { get; set; }

    public int Due { get; set; }
    public int Enqueued { get; set; }
    public int Skipped { get; set; }

    /// <summary>JSON object: reason → count (opted_out, no_pack, pack_empty, template_not_approved, after_cutoff, ...).</summary>
    public string Reasons { get; set; } = "{}";

    /// <summary>A sentence for the dashboard, e.g. why the template check failed.</summary>
    public string? Note { get; set; }
}

internal sealed class DailySendConfiguration : IEntityTypeConfiguration<DailySend>
{
    public void Configure(EntityTypeBuilder<DailySend> b)
    {
        b.ToTable("DailySends");
        b.HasIndex(x => new { x.AdvisorId, x.LocalDate }).IsUnique();
        b.HasIndex(x => x.OutboxKey);
        b.HasIndex(x => new { x.LocalDate, x.State });
        b.HasIndex(x => new { x.LocalDate, x.Id });
        b.HasIndex(x => new { x.Phone, x.CreatedAt, x.Id });
        b.Property(x => x.Phone).HasMaxLength(20);
        b.Property(x => x.Reason).HasMaxLength(200);
        b.Property(x => x.OutboxKey).HasMaxLength(300);
        b.Property(x => x.TemplateLanguage).HasMaxLength(16);
        b.Property(x => x.AdvisorLanguage).HasMaxLength(16);
    }
}

internal sealed class DailyRunConfiguration : IEntityTypeConfiguration<DailyRun>
{
    public void Configure(EntityTypeBuilder<DailyRun> b)
    {
        b.ToTable("DailyRuns");
        b.HasIndex(x => x.StartedAt);
        b.Property(x => x.Trigger).HasMaxLength(16);
        b.Property(x => x.Note).HasMaxLength(1024);
    }
}
