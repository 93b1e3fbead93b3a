using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Advisors;

/// <summary>
/// One change of an advisor's consent, with where it came from: the consent ledger (LESSONS §4.9). Every opt-out
/// and opt-in is a row here; <see cref="Advisor.Status"/> is only the latest value.
/// </summary>
public sealed class ConsentEvent
{
    public long Id { get; set; }
    public long AdvisorId { get; set; }
    public Advisor? Advisor { get; set; }
    public required string Phone { get; set; }

    /// <summary>When it happened: Meta's timestamp for a message, our clock for an admin action.</summary>
    public DateTime At { get; set; }

    public AdvisorStatus Status { get; set; }

    /// <summary>keyword, agent, user_preferences, error_131050, operator (the advisors API, with the reason as detail), import.</summary>
    public required string Source { get; set; }

    /// <summary>What triggered it: the keyword as typed, the preference summary, the wamid.</summary>
    public string? Detail { get; set; }
}

internal sealed class ConsentEventConfiguration : IEntityTypeConfiguration<ConsentEvent>
{
    public void Configure(EntityTypeBuilder<ConsentEvent> b)
    {
        b.ToTable("ConsentEvents");
        b.HasOne(x => x.Advisor).WithMany().HasForeignKey(x => x.AdvisorId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => new { x.AdvisorId, x.Id });
        b.HasIndex(x => new { x.Phone, x.At, x.Id });
        b.Property(x => x.Phone).HasMaxLength(20);
        b.Property(x => x.Source).HasMaxLength(32);
        b.Property(x => x.Detail).HasMaxLength(512);
    }
}

/// <summary>Someone who wrote to us but is not a (current) advisor: recorded for the operator, answered once a day.</summary>
public sealed class UnknownSender
{
    public long Id { get; set; }

    /// <summary>Phone digits, or the business-scoped user id when Meta gave no phone.</summary>
    public required string Phone { get; set; }

    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public int MessageCount { get; set; }
    public string? LastKind { get; set; }
    public string? LastText { get; set; }
    public string? ProfileName { get; set; }
}

internal sealed class UnknownSenderConfiguration : IEntityTypeConfiguration<UnknownSender>
{
    public void Configure(EntityTypeBuilder<UnknownSender> b)
    {
        b.ToTable("UnknownSenders");
        b.HasIndex(x => x.Phone).IsUnique();
        b.HasIndex(x => new { x.LastSeenAt, x.Id });
        b.Property(x => x.Phone).HasMaxLength(160);
        b.Property(x => x.LastKind).HasMaxLength(32);
        b.Property(x => x.LastText).HasMaxLength(512);
        b.Property(x => x.ProfileName).HasMaxLength(256);
    }
}
