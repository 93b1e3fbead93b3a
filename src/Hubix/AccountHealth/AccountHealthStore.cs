using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.AccountHealth;

/// <summary>The account's health as the API and the dashboard show it.</summary>
public sealed record AccountHealthView(
    IReadOnlyList<TemplateHealthDto> Templates,
    PhoneNumberHealthDto? PhoneNumber,
    IReadOnlyList<AccountEventDto> Events,
    IReadOnlyList<BannerDto> Banners);

public sealed record TemplateHealthDto(
    string Name, string Language, string? Status, string? StatusReason, DateTime? StatusAt, string? Category, string? PreviousCategory, DateTime? CategoryAt,
    string? PendingCategory, DateTime? PendingCategoryAt, string? Quality, DateTime? QualityAt, string? ConfirmedCategory, DateTime? ConfirmedAt);

/// <summary>The newest phone-number update: its event and messaging limit (-1 unlimited).</summary>
public sealed record PhoneNumberHealthDto(string? Phone, string Event, int? MessagingLimit, DateTime At, string Summary);

public sealed record AccountEventDto(long Id, DateTime At, string Field, string Event, string? Subject, string Severity, string Summary);

/// <summary>A line for the dashboard's banner: <c>critical</c> or <c>warning</c>.</summary>
public sealed record BannerDto(string Severity, string Kind, string Text, DateTime At);

/// <summary>Reads and changes the account-health records outside the inbox: the template check, the operator's confirmation, send errors.</summary>
public sealed class AccountHealthStore(HubixDb db, AlertSender alerts, LiveFeed feed, TimeProvider time)
{
    private static readonly HashSet<string> Blocking = new(StringComparer.Ordinal) { "PAUSED", "DISABLED", "REJECTED", "PENDING_DELETION", "DELETED", "ARCHIVED" };

    /// <summary>Statuses that stop the daily run (only APPROVED can be sent, REFERENCE §9; these are the ones Meta announces by webhook).</summary>
    public static bool IsBlocking(string? status) => status is not null && Blocking.Contains(status.ToUpperInvariant());

    public async Task<TemplateHealth?> TemplateAsync(string name, string language, CancellationToken ct)
    {
        var lang = TemplateKey.Language(language);
        await using var context = db.CreateDbContext();
        return await context.Set<TemplateHealth>().AsNoTracking().SingleOrDefaultAsync(t => t.Name == name && t.Language == lang, ct);
    }

    /// <summary>
    /// The operator accepts that the template is sent in <paramref name="category"/> (and priced so). The daily run sends a
    /// template in a category other than UTILITY only when it equals the confirmed one.
    /// </summary>
    public async Task<TemplateHealth> ConfirmCategoryAsync(string name, string language, string category, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lang = TemplateKey.Language(language);
        var cat = category.Trim().ToUpperInvariant();
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var t = await work.Db.Set<TemplateHealth>().SingleOrDefaultAsync(x => x.Name == name && x.Language == lang, ct);
        if (t is null)
        {
            t = new TemplateHealth { Name = name, Language = lang };
            work.Db.Add(t);
        }

        t.ConfirmedCategory = cat;
        t.ConfirmedAt = now;
        t.UpdatedAt = now;
        work.Db.Add(new AccountEvent
        {
            At = now, Field = "operator", Event = "CONFIRMED_" + cat, Subject = TemplateKey.Subject(name, lang), Severity = "info",
            Summary = $"An operator confirmed sending template {name} ({lang}) as {cat}.",
        });
        await work.CommitAsync(ct);
        return t;
    }

    /// <summary>A send failed with 132015/132016: the template is paused or disabled now, whatever the cached list says.</summary>
    public async Task RecordSendErrorAsync(string name, string language, string status, int code, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var lang = TemplateKey.Language(language);
        await using var work = await UnitOfWork.BeginAsync(db, now, ct);
        var t = await work.Db.Set<TemplateHealth>().SingleOrDefaultAsync(x => x.Name == name && x.Language == lang, ct);
        if (t is null)
        {
            t = new TemplateHealth { Name = name, Language = lang };
            work.Db.Add(t);
        }
        else if (t.Status == status)
        {
            return;
        }

        t.Status = status;
        t.StatusReason = $"send error {code}";
        t.StatusAt = now;
        t.UpdatedAt = now;
        var summary = $"Meta refused template {name} ({lang}) with {code}: it is {status}. The daily run stops sending it.";
        var subject = TemplateKey.Subject(name, lang);
        work.Db.Add(new AccountEvent { At = now, Field = "send_error", Event = status, Subject = subject, Severity = "critical", Summary = summary });
        work.AfterCommit(() =>
        {
            alerts.Raise(new Alert("template_" + status.ToLowerInvariant(), "critical", subject, summary, now, new Dictionary<string, string?> { ["code"] = code.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            feed.Publish(new LiveEvent("account_health", now, null, new { field = "send_error", @event = status, subject, severity = "critical", summary }));
        });
        await work.CommitAsync(ct);
    }

    /// <summary>The messaging limit the newest phone-number webhook announced: unique users per 24 h, -1 unlimited, null unknown.</summary>
    public async Task<(int? Limit, DateTime? At)> AnnouncedLimitAsync(CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var row = await context.Set<AccountEvent>().AsNoTracking()
            .Where(e => e.Field == "phone_number_quality_update" && e.MessagingLimit != null)
            .OrderByDescending(e => e.Id).Select(e => new { e.MessagingLimit, e.At }).FirstOrDefaultAsync(ct);
        return (row?.MessagingLimit, row?.At);
    }

    public async Task<AccountHealthView> ReadAsync(int events, CancellationToken ct)
    {
        await using var context = db.CreateDbContext();
        var templates = await context.Set<TemplateHealth>().AsNoTracking().OrderBy(t => t.Name).ThenBy(t => t.Language).Take(500).ToListAsync(ct);
        var recent = await context.Set<AccountEvent>().AsNoTracking().OrderByDescending(e => e.Id).Take(events)
            .Select(e => new AccountEventDto(e.Id, e.At, e.Field, e.Event, e.Subject, e.Severity, e.Summary)).ToListAsync(ct);
        var phone = await context.Set<AccountEvent>().AsNoTracking().Where(e => e.Field == "phone_number_quality_update")
            .OrderByDescending(e => e.Id).FirstOrDefaultAsync(ct);
        var account = await context.Set<AccountEvent>().AsNoTracking().Where(e => e.Field == "account_update")
            .OrderByDescending(e => e.Id).FirstOrDefaultAsync(ct);

        var banners = new List<BannerDto>();
        foreach (var t in templates)
        {
            var subject = $"{t.Name} ({t.Language})";
            if (IsBlocking(t.Status))
            {
                banners.Add(new BannerDto("critical", "template_" + t.Status!.ToLowerInvariant(), $"Template {subject} is {t.Status}: the daily run does not send it.", t.StatusAt ?? t.UpdatedAt));
            }

            if (t.Category is { } c && c != "UTILITY" && c != t.ConfirmedCategory)
            {
                banners.Add(new BannerDto("critical", "template_recategorised",
                    $"Template {subject} is now {c}, not UTILITY: the daily run does not send it until an operator confirms the category.", t.CategoryAt ?? t.UpdatedAt));
            }

            if (t.PendingCategory is { } p && p != "UTILITY")
            {
                banners.Add(new BannerDto("warning", "template_category_pending", $"Meta will recategorise template {subject} to {p}.", t.UpdatedAt));
            }

            if (t.Quality is "RED" or "YELLOW")
            {
                banners.Add(new BannerDto(t.Quality == "RED" ? "critical" : "warning", "template_quality", $"Template {subject} quality is {t.Quality}.", t.QualityAt ?? t.UpdatedAt));
            }
        }

        if (phone is not null && phone.Severity != "info")
        {
            banners.Add(new BannerDto(phone.Severity, "phone_quality", phone.Summary, phone.At));
        }

        if (account is not null && account.Severity != "info")
        {
            banners.Add(new BannerDto(account.Severity, "account_update", account.Summary, account.At));
        }

        return new AccountHealthView(
            templates.Select(t => new TemplateHealthDto(t.Name, t.Language, t.Status, t.StatusReason, t.StatusAt, t.Category, t.PreviousCategory, t.CategoryAt,
                t.PendingCategory, t.PendingCategoryAt, t.Quality, t.QualityAt, t.ConfirmedCategory, t.ConfirmedAt)).ToList(),
            phone is null ? null : new PhoneNumberHealthDto(phone.Subject, phone.Event, phone.MessagingLimit, phone.At, phone.Summary),
            recent,
            banners);
    }
}
