using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.Operators;

/// <summary>
/// One change someone made: who (<see cref="Actor"/>: a user's name, <c>api-key</c> for the machine key, <c>cli</c>),
/// what (<see cref="Action"/>, e.g. <c>conversation.reply</c>), to what (<see cref="Target"/>, e.g. a phone or
/// <c>pack:12</c>) and the particulars. Written in the same transaction as the change, so there is no change without
/// its entry and no entry without its change. No API edits or deletes entries.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public string? Detail { get; set; }
}

/// <summary>What to record about a change; <see cref="Add"/> puts it into the context that saves the change.</summary>
public sealed record AuditNote(string Actor, string Action, string Target, string? Detail = null)
{
    public const int MaxDetail = 2000;

    /// <summary>Adds the entry to <paramref name="db"/>: it is saved by the same <c>SaveChanges</c> (and transaction) as the change.</summary>
    public AuditEntry Add(DbContext db, DateTime at)
    {
        var entry = new AuditEntry
        {
            At = at,
            Actor = Clip(Actor, 64),
            Action = Clip(Action, 64),
            Target = Clip(Target, 200),
            Detail = Detail is null ? null : Clip(Detail, MaxDetail),
        };
        db.Add(entry);
        return entry;
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];
}

/// <summary>The action names of the audit trail, one place to read them all.</summary>
public static class AuditActions
{
    public const string Reply = "conversation.reply";
    public const string HandBack = "conversation.handback";
    public const string Resend = "unlock.resend";
    public const string DailySend = "daily.send";
    public const string AdvisorCreate = "advisor.create";
    public const string AdvisorUpdate = "advisor.update";
    public const string AdvisorDelete = "advisor.delete";
    public const string AdvisorConsent = "advisor.consent";
    public const string AdvisorImport = "advisor.import";
    public const string AdvisorBulk = "advisor.bulk";
    public const string PackImport = "pack.import";
    public const string PackApprove = "pack.approve";
    public const string UserAdd = "user.add";
    public const string UserDisable = "user.disable";
    public const string TokenCreate = "token.create";
    public const string TokenRevoke = "token.revoke";
    public const string TemplateCategoryConfirm = "template.confirm_category";
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("AuditEntries");
        // Newest first by (At, Id), and the same walk filtered by actor, action or target.
        b.HasIndex(x => new { x.At, x.Id });
        b.HasIndex(x => new { x.Actor, x.At, x.Id });
        b.HasIndex(x => new { x.Action, x.At, x.Id });
        b.HasIndex(x => new { x.Target, x.At, x.Id });
        b.Property(x => x.Actor).HasMaxLength(64);
        b.Property(x => x.Action).HasMaxLength(64);
        b.Property(x => x.Target).HasMaxLength(200);
        b.Property(x => x.Detail).HasMaxLength(AuditNote.MaxDetail);
    }
}
