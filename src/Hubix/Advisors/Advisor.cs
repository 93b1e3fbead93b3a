using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Advisors;

public enum AdvisorStatus
{
    Active = 0,
    OptedOut = 1,
}

/// <summary>A person we send content to, keyed by phone (E.164 digits, no plus).</summary>
public sealed class Advisor
{
    public long Id { get; set; }
    public required string Phone { get; set; }

    /// <summary>Meta's business-scoped user id, when known.</summary>
    public string? UserId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>IANA time zone; the daily template goes out at 05:00 here.</summary>
    public string TimeZone { get; set; } = "Asia/Kolkata";

    public string Language { get; set; } = "en";

    /// <summary>Subscribed categories, separated by ';' (empty: all).</summary>
    public string Categories { get; set; } = "";

    public AdvisorStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Deleted advisors are kept (their history stays) but get nothing.</summary>
    public DateTime? DeletedAt { get; set; }

    /// <summary>Meta's timestamp of the advisor's last message: the customer-service window runs 24 h from it.</summary>
    public DateTime? LastInboundAt { get; set; }

    /// <summary>
    /// Meta's timestamp of the advisor's last message that was not a tap: the dashboard's chat list is ordered by it
    /// (an index seek instead of grouping the CRM log).
    /// </summary>
    public DateTime? LastChatAt { get; set; }

    /// <summary>A person is handling this conversation; the agent stays silent until it is closed.</summary>
    public bool HandoffOpen { get; set; }

    public DateTime? HandoffAt { get; set; }

    /// <summary>
    /// The conversation needs a reply: Meta's timestamp of the advisor's newest message (not a tap, not a reaction) that
    /// nothing has answered since; null when answered. Set by <see cref="AdvisorInboxHandler"/> and cleared by
    /// <see cref="ReplyState"/> when an answer is queued, in the same unit of work as the message or the answer, so the
    /// inbox's "needs a reply" list is a seek on its index (docs/decisions/ADR-012-the-web-app.md says exactly what counts).
    /// </summary>
    public DateTime? NeedsReplyAt { get; set; }
}

internal sealed class AdvisorConfiguration : IEntityTypeConfiguration<Advisor>
{
    public void Configure(EntityTypeBuilder<Advisor> b)
    {
        b.ToTable("Advisors");
        b.HasIndex(x => x.Phone).IsUnique();
        b.HasIndex(x => x.UserId);
        // The conversation list walks these newest first and stops at its page (keyset on the time, then the phone).
        b.HasIndex(x => new { x.LastInboundAt, x.Phone });
        b.HasIndex(x => new { x.LastChatAt, x.Phone });
        // The inbox's tabs (GET /api/webhook/conversations?state=): "needs a reply" walks the first (nulls are the answered
        // ones, outside the range); "handed off" walks the second, which holds only the few open handoffs (a partial index:
        // the same SQL on both providers, and a bare boolean term the query repeats so both planners can prove it applies).
        b.HasIndex(x => new { x.NeedsReplyAt, x.Phone });
        b.HasIndex(x => new { x.LastInboundAt, x.Phone }, "IX_Advisors_Handoff_LastInboundAt_Phone").HasFilter("\"HandoffOpen\"");
        b.Property(x => x.Phone).HasMaxLength(20);
        b.Property(x => x.TimeZone).HasMaxLength(64);
        b.Property(x => x.Language).HasMaxLength(16);
    }
}
