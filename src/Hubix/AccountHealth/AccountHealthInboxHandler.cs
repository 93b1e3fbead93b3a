using System.Text;
using Hubix.Data;
using Hubix.Webhooks;
using Hubix.WhatsApp.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Hubix.AccountHealth;

/// <summary>
/// Acts on the account-health webhooks in the inbox's transaction: updates <see cref="TemplateHealth"/> (status,
/// category, quality) at once, so the daily run's next template check sees it; records every update as an
/// <see cref="AccountEvent"/>; after the commit raises the alerts and tells the live feed. A change of one of these
/// fields whose shape we do not know goes to the dead letters (it is also in the CRM log, as every webhook is).
/// </summary>
internal sealed class AccountHealthInboxHandler(AlertSender alerts, LiveFeed feed, ILogger<AccountHealthInboxHandler> logger) : IInboxHandler
{
    private static readonly HashSet<string> Blocking = new(StringComparer.Ordinal) { "PAUSED", "DISABLED", "REJECTED", "PENDING_DELETION", "DELETED", "ARCHIVED" };

    public async Task HandleAsync(UnitOfWork work, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var raised = new List<Alert>();
        var templates = new Dictionary<(string, string), TemplateHealth>();
        foreach (var e in events)
        {
            if (e.Event is not OtherEvent other || !AccountUpdates.Handles(other.Field))
            {
                continue;
            }

            var (update, problem) = AccountUpdates.Read(other.Field, other.RawJson);
            if (update is null)
            {
                logger.LogWarning("Account-health webhook {Field} has a shape we do not know ({Problem}); dead-lettered", other.Field, problem);
                work.Db.Add(new DeadLetter
                {
                    At = work.Now, Source = "item", Reason = $"{other.Field}: unrecognised shape: {problem}", Body = Encoding.UTF8.GetBytes(other.RawJson),
                });
                continue;
            }

            var record = new AccountEvent { At = work.Now, Field = other.Field, Event = "", Severity = "info", Summary = "", Json = Cap(other.RawJson) };
            switch (update)
            {
                case TemplateStatusUpdate s:
                {
                    var t = await TemplateAsync(work, templates, s.Name, s.Language, ct);
                    var was = t.Status;
                    t.Status = s.Event;
                    t.StatusReason = s.Reason is { Length: > 200 } r ? r[..200] : s.Reason;
                    t.StatusAt = work.Now;
                    t.TemplateId = s.TemplateId ?? t.TemplateId;
                    t.UpdatedAt = work.Now;
                    var blocking = Blocking.Contains(s.Event);
                    Fill(record, s.Event, TemplateKey.Subject(s.Name, s.Language), blocking ? "critical" : "info",
                        $"Template {s.Name} ({s.Language}) is {s.Event}" + (string.IsNullOrEmpty(s.Reason) || s.Reason == "NONE" ? "." : $" (reason {s.Reason}).") +
                        (blocking ? " The daily run stops sending it." : ""));
                    if (blocking)
                    {
                        raised.Add(AlertOf("template_" + s.Event.ToLowerInvariant(), record));
                    }
                    else if (was is not null && Blocking.Contains(was))
                    {
                        raised.Add(AlertOf("template_" + s.Event.ToLowerInvariant(), record));
                    }

                    break;
                }

                case TemplateCategoryUpdate c:
                {
                    var t = await TemplateAsync(work, templates, c.Name, c.Language, ct);
                    var subject = TemplateKey.Subject(c.Name, c.Language);
                    t.TemplateId = c.TemplateId ?? t.TemplateId;
                    t.UpdatedAt = work.Now;
                    if (c.IsImpending)
                    {
                        t.PendingCategory = c.CorrectCategory;
                        t.PendingCategoryAt = c.EffectiveAt;
                        Fill(record, "PENDING_" + c.CorrectCategory, subject, c.CorrectCategory == "UTILITY" ? "info" : "warning",
                            $"Meta will recategorise template {c.Name} ({c.Language}) from {c.NewCategory ?? "?"} to {c.CorrectCategory}" +
                            (c.EffectiveAt is { } at ? $" at {at:yyyy-MM-dd HH:mm} UTC." : "."));
                        if (c.CorrectCategory != "UTILITY")
                        {
                            raised.Add(AlertOf("template_category_pending", record));
                        }
                    }
                    else
                    {
                        t.PreviousCategory = c.PreviousCategory ?? t.Category;
                        t.Category = c.NewCategory;
                        t.CategoryAt = work.Now;
                        t.PendingCategory = null;
                        t.PendingCategoryAt = null;
                        var away = c.NewCategory != "UTILITY";
                        Fill(record, c.NewCategory ?? "", subject, away ? "critical" : "info",
                            $"Template {c.Name} ({c.Language}) was recategorised from {c.PreviousCategory ?? "?"} to {c.NewCategory}." +
                            (away ? " The daily run stops sending it until an operator confirms the new category (its pricing)." : ""));
                        if (away)
                        {
                            raised.Add(AlertOf("template_recategorised", record));
                        }
                    }

                    break;
                }

                case TemplateQualityUpdate q:
                {
                    var t = await TemplateAsync(work, templates, q.Name, q.Language, ct);
                    var previous = q.Previous ?? t.Quality;
                    t.Quality = q.New;
                    t.QualityAt = work.Now;
                    t.TemplateId = q.TemplateId ?? t.TemplateId;
                    t.UpdatedAt = work.Now;
                    var drop = AccountUpdates.QualityRank(q.New) < AccountUpdates.QualityRank(previous) && AccountUpdates.QualityRank(q.New) > 0;
                    Fill(record, q.New, TemplateKey.Subject(q.Name, q.Language), drop ? (q.New == "RED" ? "critical" : "warning") : "info",
                        $"Template {q.Name} ({q.Language}) quality: {previous ?? "?"} → {q.New}.");
                    if (drop)
                    {
                        raised.Add(AlertOf("template_quality", record));
                    }

                    break;
                }

                case PhoneQualityUpdate p:
                {
                    var limit = AccountUpdates.LimitOf(p.Limit);
                    var old = AccountUpdates.LimitOf(p.OldLimit);
                    var down = p.Event is "DOWNGRADE" or "FLAGGED" || (limit is > 0 && (old is -1 || old > limit));
                    record.MessagingLimit = limit;
                    Fill(record, p.Event, p.DisplayPhone, down ? "warning" : "info",
                        $"Phone number {p.DisplayPhone ?? "?"}: {p.Event}" + (p.Limit is null ? "." : $", messaging limit {p.Limit}" + (p.OldLimit is null ? "." : $" (was {p.OldLimit}).")));
                    if (down)
                    {
                        raised.Add(AlertOf("phone_quality", record));
                    }

                    break;
                }

                case AccountStatusUpdate a:
                {
                    var bad = a.Event is "ACCOUNT_RESTRICTION" or "ACCOUNT_VIOLATION" or "DISABLED_UPDATE" or "ACCOUNT_DELETED" or "PARTNER_REMOVED";
                    Fill(record, a.Event, a.Phone, bad ? "critical" : "info", $"Account update: {a.Event}" + (a.Detail is null ? "." : $" ({a.Detail})."));
                    if (bad)
                    {
                        raised.Add(AlertOf("account_update", record));
                    }

                    break;
                }
            }

            work.Db.Add(record);
            var published = record;
            work.Publish(feed, new LiveEvent("account_health", published.At, null, new
            {
                field = published.Field, @event = published.Event, subject = published.Subject, severity = published.Severity, summary = published.Summary,
            }));
        }

        if (raised.Count > 0)
        {
            work.AfterCommit(() =>
            {
                foreach (var alert in raised)
                {
                    alerts.Raise(alert);
                }
            });
        }
    }

    /// <summary>The template's row: one already touched in this batch, the stored one (tracked), or a new one.</summary>
    private static async Task<TemplateHealth> TemplateAsync(
        UnitOfWork work, Dictionary<(string, string), TemplateHealth> seen, string name, string language, CancellationToken ct)
    {
        if (seen.TryGetValue((name, language), out var t))
        {
            return t;
        }

        t = await work.Db.Set<TemplateHealth>().SingleOrDefaultAsync(x => x.Name == name && x.Language == language, ct);
        if (t is null)
        {
            t = new TemplateHealth { Name = name, Language = language, UpdatedAt = work.Now };
            work.Db.Add(t);
        }

        seen[(name, language)] = t;
        return t;
    }

    private static void Fill(AccountEvent record, string ev, string? subject, string severity, string summary)
    {
        record.Event = ev.Length > 64 ? ev[..64] : ev;
        record.Subject = subject is { Length: > 600 } s ? s[..600] : subject;
        record.Severity = severity;
        record.Summary = summary.Length > 1000 ? summary[..1000] : summary;
    }

    private static Alert AlertOf(string kind, AccountEvent record) =>
        new(kind, record.Severity, record.Subject ?? "account", record.Summary, record.At,
            new Dictionary<string, string?> { ["field"] = record.Field, ["event"] = record.Event });

    private static string Cap(string json) => json.Length > 8000 ? json[..8000] : json;
}
