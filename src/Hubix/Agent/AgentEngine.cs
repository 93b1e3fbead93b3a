using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Hubix.Agent;

/// <summary>
/// The AI CRM agent: recognises what an advisor wants and composes a grounded reply. It sends nothing;
/// the caller sends <see cref="AgentAnswer.Reply"/> and performs opt-out, opt-in, hand-off and unlocks.
/// </summary>
/// <remarks>
/// Market and FAQ answers are quotes of stored passages (with the pack date or FAQ entry as source), so
/// every figure comes from stored content. A configured LLM may rephrase them from the same passages;
/// its reply is used only if every figure in it appears in those passages.
/// </remarks>
public sealed partial class AgentEngine(
    AgentModel model,
    KnowledgeIndex index,
    IntentClassifier classifier,
    AgentLlm llm,
    IOptions<AgentOptions> options,
    TimeProvider time)
{
    /// <summary>The help menu, sent as interactive reply buttons (ids are intents).</summary>
    public static readonly IReadOnlyList<MenuButton> Menu =
    [
        new(AgentIntents.UnlockAll, "Today's content"),
        new(AgentIntents.UnlockUpdates, "Market update"),
        new(AgentIntents.Handoff, "Talk to a person"),
    ];

    private const string NotFound = "Sorry, I don't have that. Here is what I can help with: today's content, the market update, questions about Hubix, or a person from our team.";

    // Words every market question may use without naming a topic; they neither select nor exclude passages.
    private static readonly HashSet<string> s_generic = new(StringComparer.Ordinal)
    {
        "market", "share", "stock", "index", "week", "month", "update", "news", "price", "rate", "kaisa", "haal", "day",
        "session", "perform", "performance", "happen", "happened", "going", "go", "rise", "fall", "move", "trend", "latest",
    };

    private AgentOptions Options => options.Value;

    public async Task<AgentAnswer> AnswerAsync(AgentQuestion question, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        model.StartLoading();
        var knowledge = await index.GetAsync(cancellationToken);
        var text = question.Text.Trim();
        var result = question.Intent is { } given && AgentIntents.All.Contains(given, StringComparer.Ordinal)
            ? new IntentResult(given, 1, AgentPaths.Button, null) { Strong = true }
            : await classifier.ClassifyAsync(text, knowledge, cancellationToken);
        var query = text;

        // A follow-up ("and tomorrow?", "aur kal?", "what about sensex?") keeps the previous topic.
        var previous = question.History.LastOrDefault(t => t.IsUser);
        if (previous is not null && !result.Strong && IsFollowUp(text, result.Intent))
        {
            var prevIntent = previous.Intent ?? (await classifier.ClassifyAsync(previous.Text, knowledge, cancellationToken)).Intent;
            if (prevIntent is AgentIntents.MarketQuestion or AgentIntents.Faq)
            {
                result = result with { Intent = prevIntent, QueryVector = null };
                query = previous.Text + " " + text;
            }
        }

        var today = Today();
        var answer = result.Intent switch
        {
            AgentIntents.MarketQuestion => await MarketAsync(query, result, knowledge, today, cancellationToken),
            AgentIntents.Faq => await FaqAsync(query, result, knowledge, cancellationToken),
            AgentIntents.AdviceRequest => Make(result,
                "I can't recommend funds or say what to buy, sell or hold: that depends on each client's goals and risk profile. " +
                "I can share the latest market update, or a person from our team can help.\n\n" + Options.Disclaimer,
                buttons: [Menu[1], Menu[2]]),
            AgentIntents.Help => Make(result,
                "I can send today's content (or just the images, posts or market update), answer questions about the market update and about Hubix, or connect you to a person. Reply STOP to stop the daily messages.",
                buttons: Menu),
            AgentIntents.OptOut => Make(result, "You are unsubscribed and will not get the daily content any more. Reply START to subscribe again."),
            AgentIntents.OptIn => Make(result, "Welcome back! Your daily content resumes with the next morning pack. Reply STOP at any time to stop."),
            AgentIntents.Handoff => Make(result, "OK, I have asked a person from our team to reply to you here. They reply during working hours."),
            AgentIntents.Greeting => Make(result,
                $"Hello{(string.IsNullOrWhiteSpace(question.AdvisorName) ? "" : " " + question.AdvisorName.Trim())}! I can send today's content, share the market update or answer questions about Hubix.",
                buttons: Menu),
            AgentIntents.Thanks => Make(result, "You're welcome! Reply MENU any time to see what I can do."),
            AgentIntents.UnlockAll => Unlock(result, knowledge, today, "today's content"),
            AgentIntents.UnlockImages => Unlock(result, knowledge, today, "today's images"),
            AgentIntents.UnlockPosts => Unlock(result, knowledge, today, "today's posts"),
            AgentIntents.UnlockUpdates => Unlock(result, knowledge, today, "today's market update"),
            _ => Make(result with { Intent = AgentIntents.Unknown }, NotFound, buttons: Menu),
        };

        return answer with { LatencyMs = time.GetElapsedTime(started).TotalMilliseconds };
    }

    /// <summary>"Today" for packs: <see cref="AgentOptions.Today"/>, else the clock's date in <see cref="AgentOptions.TimeZone"/>.</summary>
    public DateOnly Today()
    {
        if (Options.Today is { } fixedDay)
        {
            return fixedDay;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(Options.TimeZone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);
    }

    private static AgentAnswer Make(IntentResult r, string reply, IReadOnlyList<string>? sources = null, IReadOnlyList<MenuButton>? buttons = null) =>
        new(r.Intent, reply, sources ?? [], buttons, false, 0, r.Path);

    private static AgentAnswer Unlock(IntentResult r, KnowledgeSnapshot knowledge, DateOnly today, string what)
    {
        var hasPack = knowledge.Passages.Any(p => p.Passage.Date == today);
        var iso = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return hasPack
            ? Make(r, $"Sending {what} now.", ["pack " + iso])
            : Make(r, $"Sending {what} as soon as today's pack is ready.");
    }

    private async Task<AgentAnswer> MarketAsync(string query, IntentResult r, KnowledgeSnapshot knowledge, DateOnly today, CancellationToken ct)
    {
        var queryVector = knowledge.Embedded && !TextTools.MostlyDevanagari(query) ? r.QueryVector ?? (await model.EncodeAsync([query], ct))[0] : null;
        var queryWords = TextTools.ContentWords(query).ToHashSet(StringComparer.Ordinal);
        var oldest = today.AddDays(-Options.MaxPackAgeDays);
        var latest = knowledge.Passages
            .Select(p => p.Passage.Date).Where(d => d is { } x && x <= today).Max() ?? today;
        // Words the library knows (e.g. "RBI", "gold") must appear in the passage: similarity alone would
        // happily quote the gold price for a question about the RBI.
        var known = queryWords.Where(w => knowledge.Idf.ContainsKey(w) && !s_generic.Contains(w)).ToHashSet(StringComparer.Ordinal);
        var ranked = knowledge.Passages
            .Where(p => p.Passage.Kind != KnowledgePassage.FaqKind && p.Passage.Date is { } d && d <= today && d >= oldest)
            .Where(p => known.Count == 0 || p.Words.Overlaps(known))
            .Select(p => (p, Score: Score(p, queryVector, queryWords, knowledge, latest)))
            .OrderByDescending(x => x.Score)
            .ToList();

        // A question that names no topic ("market kaisa raha?") gets the latest update, whatever its similarity.
        var threshold = known.Count == 0 ? double.MinValue : queryVector is null ? 0.25 : Options.AnswerThreshold;
        if (known.Count == 0)
        {
            ranked = ranked.Where(x => x.p.Passage.Kind == KnowledgePassage.UpdateKind).ToList();
        }

        if (ranked.Count == 0 || ranked[0].Score < threshold)
        {
            return Make(r with { Intent = AgentIntents.MarketQuestion }, NotFound, buttons: Menu);
        }

        // Quote the best passage's most relevant sentences, plus one sentence from another passage that
        // covers question words the first does not (e.g. "nifty and the rupee").
        var top = ranked[0].p;
        var quotes = new List<(IndexedPassage P, string Text)> { (top, Quote(top.Passage.Text, queryWords, knowledge.Idf, 2)) };
        var covered = TextTools.ContentWords(quotes[0].Text).ToHashSet(StringComparer.Ordinal);
        var missing = known.Where(w => !covered.Contains(w)).ToHashSet(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            foreach (var (p, _) in ranked.Skip(1).Take(4))
            {
                if (p.Passage.Date < top.Passage.Date || !p.Words.Overlaps(missing))
                {
                    continue;
                }

                var extra = Quote(p.Passage.Text, missing, knowledge.Idf, 1);
                if (TextTools.ContentWords(extra).Any(missing.Contains))
                {
                    quotes.Add((p, extra));
                    break;
                }
            }
        }

        var reply = new StringBuilder();
        if (FutureQuestion().IsMatch(TextTools.Normalize(query)))
        {
            reply.Append("I can't predict the market. The latest stored update:\n");
        }

        foreach (var (p, quote) in quotes)
        {
            reply.Append(CultureInfo.InvariantCulture, $"From the {p.Passage.Source} {KindName(p.Passage.Kind)}: \"{quote}\"\n");
        }

        var used = quotes.Select(q => q.P.Passage).Distinct().ToList();
        var sources = used.Select(p => p.Source).Distinct(StringComparer.Ordinal).ToList();
        var llmText = await llm.TryAnswerAsync(query, ranked.Take(3).Select(x => x.p.Passage).ToList(), ct);
        if (llmText is not null)
        {
            var llmSources = ranked.Take(3).Select(x => x.p.Passage.Source).Distinct(StringComparer.Ordinal).ToList();
            return new AgentAnswer(AgentIntents.MarketQuestion, llmText + "\n\n" + Options.Disclaimer, llmSources, null, true, 0, AgentPaths.Llm);
        }

        reply.Append('\n').Append(Options.Disclaimer);
        return Make(r with { Intent = AgentIntents.MarketQuestion }, reply.ToString(), sources);
    }

    private async Task<AgentAnswer> FaqAsync(string query, IntentResult r, KnowledgeSnapshot knowledge, CancellationToken ct)
    {
        var queryVector = knowledge.Embedded && !TextTools.MostlyDevanagari(query) ? r.QueryVector ?? (await model.EncodeAsync([query], ct))[0] : null;
        var queryWords = TextTools.ContentWords(query).ToHashSet(StringComparer.Ordinal);
        var best = knowledge.Passages
            .Where(p => p.Passage.Kind == KnowledgePassage.FaqKind)
            .Select(p => (p, Score: queryVector is null
                ? Overlap(p, queryWords, knowledge.Idf)
                : Math.Max(AgentModel.Cosine(queryVector, p.Vector!), p.QuestionVectors!.Select(q => (double)AgentModel.Cosine(queryVector, q)).DefaultIfEmpty(0).Max())
                  + (0.1 * Overlap(p, queryWords, knowledge.Idf))))
            .OrderByDescending(x => x.Score)
            .FirstOrDefault();

        var threshold = queryVector is null ? 0.25 : Options.AnswerThreshold;
        if (best.p is null || best.Score < threshold)
        {
            return Make(r with { Intent = AgentIntents.Faq }, NotFound, buttons: Menu);
        }

        var passage = best.p.Passage;
        var llmText = await llm.TryAnswerAsync(query, [passage], ct);
        if (llmText is not null)
        {
            return new AgentAnswer(AgentIntents.Faq, llmText, [passage.Source], null, true, 0, AgentPaths.Llm);
        }

        var buttons = passage.Id is "faq:talk-to-person" or "faq:not-received" or "faq:todays-content" ? Menu : null;
        return Make(r with { Intent = AgentIntents.Faq }, $"{passage.Title}\n{passage.Text}\n({passage.Source})", [passage.Source], buttons);
    }

    /// <summary>Similarity plus word overlap, with a strong preference for the latest pack: advisors ask about "now".</summary>
    private static double Score(IndexedPassage p, float[]? queryVector, HashSet<string> queryWords, KnowledgeSnapshot knowledge, DateOnly latest)
    {
        var overlap = Overlap(p, queryWords, knowledge.Idf);
        var ageDays = latest.DayNumber - p.Passage.Date!.Value.DayNumber;
        var kindBonus = p.Passage.Kind == KnowledgePassage.UpdateKind ? 0.03 : 0;
        var baseScore = queryVector is null ? overlap : AgentModel.Cosine(queryVector, p.Vector!) + (0.25 * overlap);
        return baseScore + kindBonus - (ageDays == 0 ? 0 : 0.1 + (0.03 * ageDays));
    }

    /// <summary>IDF-weighted share of the question's words found in the passage (0..1).</summary>
    private static double Overlap(IndexedPassage p, HashSet<string> queryWords, IReadOnlyDictionary<string, double> idf)
    {
        double total = 0, hit = 0;
        foreach (var w in queryWords)
        {
            var weight = idf.GetValueOrDefault(w, 0.5);
            total += weight;
            if (p.Words.Contains(w))
            {
                hit += weight;
            }
        }

        return total == 0 ? 0 : hit / total;
    }

    /// <summary>The passage's sentences most relevant to <paramref name="words"/>, in their original order.</summary>
    private static string Quote(string text, HashSet<string> words, IReadOnlyDictionary<string, double> idf, int max)
    {
        text = TextTools.StripUpdatePrefix(text);
        var sentences = TextTools.Sentences(text).ToList();
        if (sentences.Count <= max)
        {
            return string.Join(' ', sentences);
        }

        var chosen = sentences
            .Select((s, i) => (s, i, Score: TextTools.ContentWords(s).Distinct(StringComparer.Ordinal).Where(words.Contains).Sum(w => idf.GetValueOrDefault(w, 0.5))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.i)
            .Take(max)
            .OrderBy(x => x.i)
            .Select(x => x.s);
        return string.Join(' ', chosen);
    }

    private static string KindName(string kind) => kind switch
    {
        KnowledgePassage.UpdateKind => "market update",
        KnowledgePassage.ImageKind => "image caption",
        KnowledgePassage.DocumentKind => "document",
        _ => kind,
    };

    private static bool IsFollowUp(string text, string intent)
    {
        var norm = TextTools.Normalize(text);
        if (FollowUpStart().IsMatch(norm))
        {
            return true;
        }

        return TextTools.Tokens(norm).Length <= 4
            && intent is AgentIntents.Unknown or AgentIntents.MarketQuestion or AgentIntents.Faq or AgentIntents.Help or AgentIntents.Greeting
            && (intent is AgentIntents.Unknown || TimeWord().IsMatch(norm));
    }

    [GeneratedRegex(@"^(and|aur|or|what about|how about|phir|toh|to|also|and what about|same for|kya)\b")]
    private static partial Regex FollowUpStart();

    [GeneratedRegex(@"\b(tomorrow|yesterday|today|kal|aaj|parso|next week|last week|this week|monday|tuesday|wednesday|thursday|friday)\b")]
    private static partial Regex TimeWord();

    [GeneratedRegex(@"\b(tomorrow|predict|prediction|forecast|target|next week|outlook|kal kya|rahega|hoga|jayega|will (the )?(market|nifty|sensex))\b")]
    private static partial Regex FutureQuestion();
}
