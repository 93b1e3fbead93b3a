using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Hubix.AccountHealth;

/// <summary>
/// What Meta told us about one message template (name + language), from the template webhooks, the send errors
/// 132015/132016 and the operator. Each fact carries the time we learnt it, so the daily run can take whichever is newer:
/// this row or the template list it read from the Cloud API.
/// </summary>
public sealed class TemplateHealth
{
    public long Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Normalised (<see cref="TemplateKey.Language"/>): lower case, <c>_</c> for <c>-</c> (webhooks say en-US, the API en_US).</summary>
    public required string Language { get; set; }

    public string? TemplateId { get; set; }

    /// <summary>APPROVED, PAUSED, DISABLED, REJECTED ... (the webhook's <c>event</c>).</summary>
    public string? Status { get; set; }

    public string? StatusReason { get; set; }
    public DateTime? StatusAt { get; set; }

    /// <summary>UTILITY, MARKETING, AUTHENTICATION.</summary>
    public string? Category { get; set; }

    public string? PreviousCategory { get; set; }
    public DateTime? CategoryAt { get; set; }

    /// <summary>An announced recategorisation (<c>correct_category</c>) and when Meta will apply it.</summary>
    public string? PendingCategory { get; set; }

    public DateTime? PendingCategoryAt { get; set; }

    /// <summary>GREEN, YELLOW, RED, UNKNOWN.</summary>
    public string? Quality { get; set; }

    public DateTime? QualityAt { get; set; }

    /// <summary>A category other than UTILITY the operator accepted (its pricing) for this template; null: none.</summary>
    public string? ConfirmedCategory { get; set; }

    public DateTime? ConfirmedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One account-health fact as it arrived (template, phone number, account), for the API, banners and alerts.</summary>
public sealed class AccountEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>The webhook field, or <c>send_error</c> / <c>operator</c>.</summary>
    public required string Field { get; set; }

    /// <summary>PAUSED, MARKETING, YELLOW, DOWNGRADE, ACCOUNT_RESTRICTION ...</summary>
    public required string Event { get; set; }

    /// <summary>The template (<c>name/language</c>) or the phone number it is about; null for the account.</summary>
    public string? Subject { get; set; }

    /// <summary>info, warning, critical.</summary>
    public required string Severity { get; set; }

    /// <summary>A sentence for the operator.</summary>
    public required string Summary { get; set; }

    /// <summary>The webhook's <c>value</c> as received (or our own details).</summary>
    public string? Json { get; set; }

    /// <summary>For phone number updates: the messaging limit it announced (unique users per 24 h; -1 unlimited).</summary>
    public int? MessagingLimit { get; set; }
}

internal sealed class TemplateHealthConfiguration : IEntityTypeConfiguration<TemplateHealth>
{
    public void Configure(EntityTypeBuilder<TemplateHealth> b)
    {
        b.ToTable("TemplateHealth");
        b.HasIndex(x => new { x.Name, x.Language }).IsUnique();
        b.Property(x => x.Name).HasMaxLength(512);
        b.Property(x => x.Language).HasMaxLength(16);
        b.Property(x => x.TemplateId).HasMaxLength(64);
        b.Property(x => x.Status).HasMaxLength(32);
        b.Property(x => x.StatusReason).HasMaxLength(200);
        b.Property(x => x.Category).HasMaxLength(32);
        b.Property(x => x.PreviousCategory).HasMaxLength(32);
        b.Property(x => x.PendingCategory).HasMaxLength(32);
        b.Property(x => x.Quality).HasMaxLength(16);
        b.Property(x => x.ConfirmedCategory).HasMaxLength(32);
    }
}

internal sealed class AccountEventConfiguration : IEntityTypeConfiguration<AccountEvent>
{
    public void Configure(EntityTypeBuilder<AccountEvent> b)
    {
        b.ToTable("AccountEvents");
        b.HasIndex(x => x.At);
        // The newest phone-number update (its messaging limit) and the newest of each field are read by field.
        b.HasIndex(x => new { x.Field, x.Id });
        b.Property(x => x.Field).HasMaxLength(64);
        b.Property(x => x.Event).HasMaxLength(64);
        b.Property(x => x.Subject).HasMaxLength(600);
        b.Property(x => x.Severity).HasMaxLength(16);
        b.Property(x => x.Summary).HasMaxLength(1000);
    }
}
