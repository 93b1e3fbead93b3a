using System.Globalization;
using Hubix.Data;
using Hubix.WhatsApp.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Hubix.Dashboard;

/// <summary>
/// Computes <see cref="MetricsResponse"/> for a range of local days (in the dashboard's zone) from the rollups alone
/// (<see cref="RollupSql"/>): a few hundred counters a day, read by primary key, whatever the day's volume or the
/// history's length. The triggers note changes, <see cref="MetricFolder"/> counts them every second (so figures lag the
/// writes by up to a second), and <c>hubix metrics rebuild</c> recomputes them from the raw tables. Reads never fold: a
/// read that took the write gate to fold waited behind the busy inbox (p95 174 ms vs 32 ms in the day bench).
/// </summary>
public sealed class MetricsService(HubixDb db, IOptions<DashboardOptions> options)
{
    private const string TemplatePrefix = "template:";

    public async Task<MetricsResponse> ComputeAsync(DateOnly from, DateOnly to, CancellationToken ct)
    {
        var days = new SortedDictionary<DateOnly, DayMetrics>();
        for (var d = from; d <= to; d = d.AddDays(1))
        {
            days[d] = new DayMetrics { Date = d };
        }

        await using var context = db.CreateDbContext();
        var rows = await MetricCounters.ReadAsync(context, from, to, ct);
        var failures = new Dictionary<string, (int Count, SortedSet<string> Purposes, DateTime? LastAt)>(StringComparer.Ordinal);
        foreach (var byDay in rows.GroupBy(r => r.Day))
        {
            var day = days[byDay.Key];
            var first = new Histogram();
            var pack = new Histogram();
            foreach (var r in byDay)
            {
                var n = checked((int)r.Value);
                if (MessagesOf(day, r.Scope) is { Length: > 0 } messages)
                {
                    foreach (var m in messages)
                    {
                        Count(m, r.Name, n);
                    }

                    if (r.Name.StartsWith(FailedPrefix, StringComparison.Ordinal) && n > 0)
                    {
                        var code = r.Name[FailedPrefix.Length..];
                        var f = failures.GetValueOrDefault(code, (0, new SortedSet<string>(StringComparer.Ordinal), null));
                        f.Purposes.Add(PurposeOf(r.Scope));
                        failures[code] = (f.Count + n, f.Purposes, Max(f.LastAt, r.LastAt));
                    }

                    if (r.Scope == "agent" && r.Name == "queued")
                    {
                        day.AgentAnswers = n;
                    }

                    continue;
                }

                if (r.Scope.StartsWith(RollupSql.LanguagePrefix, StringComparison.Ordinal))
                {
                    CountLanguage(day, r.Scope[RollupSql.LanguagePrefix.Length..], r.Name, n);
                    continue;
                }

                switch (r.Scope, r.Name)
                {
                    case ("inbound", "taps"): day.Taps = n; break;
                    case ("inbound", "unique_tappers"): day.UniqueTappers = n; break;
                    case ("inbound", "messages"): day.InboundMessages = n; break;
                    case ("inbound", "chatters"): day.Chats = n; break;
                    case ("packs", "delivered"): day.Packs.Delivered = n; break;
                    case ("packs", "partial"): day.Packs.Partial = n; break;
                    case ("packs", "failed"): day.Packs.Failed = n; break;
                    case ("packs", "delivering"): day.Packs.InProgress = n; break;
                    case ("tap_to_first", _): first.Add(r.Name, n); break;
                    case ("tap_to_pack", _): pack.Add(r.Name, n); break;
                    case ("agent_intents", _) when n > 0: day.AgentAnswersByIntent[r.Name] = n; break;
                    case ("handoffs", "opened"): day.Handoffs = n; break;
                    case ("consent", "opt_outs"): day.OptOuts = n; break;
                    case ("consent", "opt_ins"): day.OptIns = n; break;
                    default: break;
                }
            }

            // Per-template taps are kept under the template's scope beside its messages.
            foreach (var r in byDay.Where(r => r.Scope.StartsWith(TemplatePrefix, StringComparison.Ordinal)))
            {
                var t = TemplateOf(day, r.Scope[TemplatePrefix.Length..]);
                if (r.Name == "taps")
                {
                    t.Taps = (int)r.Value;
                }
                else if (r.Name == "unique_tappers")
                {
                    t.UniqueTappers = (int)r.Value;
                }
            }

            day.TapToFirstContentAccepted = first.Stats();
            day.TapToPackDelivered = pack.Stats();
        }

        foreach (var day in days.Values)
        {
            day.Templates.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var t in day.Templates)
            {
                t.TapRate = Rate(t.UniqueTappers, t.Messages.Delivered);
            }

            day.TapRate = Rate(day.UniqueTappers, day.TemplateTotals.Delivered);
            MessageCounts[] all = [day.TemplateTotals, day.Content, day.AgentMessages, day.OperatorMessages];
            var left = all.Sum(c => c.Sent + c.Failed + c.Accepted);
            day.DeliverySuccessRate = left == 0 ? null : Math.Round((double)all.Sum(c => c.Delivered) / left, 4);
        }

        return new MetricsResponse(from, to, options.Value.TimeZone, days.Values.ToList(), Failures(failures));
    }

    private const string FailedPrefix = "failed:";

    /// <summary>The message counts an outbox scope feeds (a template's go to the template and to the day's template totals).</summary>
    private static MessageCounts[] MessagesOf(DayMetrics day, string scope) => scope switch
    {
        "content" => [day.Content],
        "agent" => [day.AgentMessages],
        "operator" => [day.OperatorMessages],
        _ when scope.StartsWith(TemplatePrefix, StringComparison.Ordinal) => [day.TemplateTotals, TemplateOf(day, scope[TemplatePrefix.Length..]).Messages],
        _ => [],
    };

    private static string PurposeOf(string scope) => scope switch
    {
        "content" => "unlock",
        _ when scope.StartsWith(TemplatePrefix, StringComparison.Ordinal) => "daily",
        _ => scope,
    };

    /// <summary>Counters by the row's current state: sent counts what reached sent or beyond, delivered what reached delivered or read.</summary>
    private static void Count(MessageCounts c, string name, int n)
    {
        switch (name)
        {
            case "queued": c.Queued += n; break;
            case "accepted": c.Accepted += n; break;
            case "sent": c.Sent += n; break;
            case "delivered": c.Sent += n; c.Delivered += n; break;
            case "read": c.Sent += n; c.Delivered += n; c.Read += n; break;
            case "cancelled": c.Cancelled += n; break;
            default:
                if (name.StartsWith(FailedPrefix, StringComparison.Ordinal) && n != 0)
                {
                    c.Failed += n;
                    var code = name[FailedPrefix.Length..];
                    c.FailedByCode[code] = c.FailedByCode.GetValueOrDefault(code) + n;
                }

                break;
        }
    }

    private static void CountLanguage(DayMetrics day, string language, string name, int n)
    {
        if (!day.Languages.TryGetValue(language, out var l))
        {
            day.Languages[language] = l = new LanguageMetrics();
        }

        switch (name)
        {
            case "templates_queued": l.TemplatesQueued += n; break;
            case "template_fallbacks": l.TemplateFallbacks += n; break;
            case "templates_sent": l.TemplatesSent += n; break;
            case "templates_delivered": l.TemplatesDelivered += n; break;
            case "taps": l.Taps += n; break;
            case "packs_delivered": l.PacksDelivered += n; break;
            case "pack_fallbacks": l.PackFallbacks += n; break;
            default: break;
        }
    }

    private static TemplateMetrics TemplateOf(DayMetrics day, string name)
    {
        var t = day.Templates.Find(x => x.Name == name);
        if (t is null)
        {
            t = new TemplateMetrics { Name = name };
            day.Templates.Add(t);
        }

        return t;
    }

    private static double? Rate(int part, int whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    /// <summary>Failed messages of the range by Meta error code, most frequent first, with the catalog's explanation.</summary>
    private static List<FailureRow> Failures(Dictionary<string, (int Count, SortedSet<string> Purposes, DateTime? LastAt)> failures) =>
        failures.Where(f => f.Value.Count > 0).Select(f =>
        {
            int? code = int.TryParse(f.Key, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
            var d = code is { } known ? ErrorCatalog.Describe(known) : new ErrorDescription(
                "Not sent", "The message failed without an error code from Meta (for example it expired before it could be sent, or an earlier item of its pack failed).",
                "See the message's reason in the advisor's timeline.");
            return new FailureRow(code, f.Value.Count, d.Title, d.Meaning, d.Action, f.Value.Purposes.ToList(), f.Value.LastAt ?? default);
        }).OrderByDescending(f => f.Count).ThenBy(f => f.Code).ToList();

    /// <summary>A latency histogram from the <c>lt:{ms}</c> counters.</summary>
    private sealed class Histogram
    {
        private readonly SortedDictionary<int, int> _buckets = new();

        public void Add(string name, int n)
        {
            var bound = name == RollupSql.Overflow ? int.MaxValue : int.Parse(name.AsSpan(3), NumberStyles.Integer, CultureInfo.InvariantCulture);
            _buckets[bound] = _buckets.GetValueOrDefault(bound) + n;
        }

        /// <summary>Nearest rank, reported as the upper bound of the bucket it falls in (the overflow bucket reports the last bound).</summary>
        public LatencyStats Stats()
        {
            var count = _buckets.Values.Sum();
            return count == 0 ? new LatencyStats(0, null, null) : new LatencyStats(count, At(count, 0.5), At(count, 0.95));
        }

        private double At(int count, double p)
        {
            var rank = Math.Clamp((int)Math.Ceiling(p * count), 1, count);
            var seen = 0;
            foreach (var (bound, n) in _buckets)
            {
                seen += n;
                if (seen >= rank)
                {
                    return (bound == int.MaxValue ? RollupSql.LatencyBoundsMs[^1] : bound) / 1000.0;
                }
            }

            return RollupSql.LatencyBoundsMs[^1] / 1000.0;
        }
    }
}
