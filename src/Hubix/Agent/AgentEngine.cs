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
    /// <summary>The English help menu, sent as interactive reply buttons (ids are intents); see <see cref="AgentTexts.Menu"/> per language.</summary>
    public static IReadOnlyList<MenuButton> Menu => AgentTexts.English.Menu;

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
        var detected = LanguageDetector.Detect(text);
        var replyLang = question.Intent is not null && AgentLanguages.FromAdvisorLanguage(question.AdvisorLanguage) is { } advisorLang
            ? advisorLang
            : LanguageDetector.ReplyLanguage(detected, question.AdvisorLanguage);
        var texts = AgentTexts.For(replyLang);
        var result = question.Intent is { } given && AgentIntents.All.Contains(given, StringComparer.Ordinal)
            ? new IntentResult(given, 1, AgentPaths.Button, null) { Strong = true }
            : await classifier.ClassifyAsync(text, detected.Lang, knowledge, cancellationToken);

        // Retrieval reads the romanised form of Hindi ("निफ्टी कहाँ बंद हुआ" → "nifty kahan band hua"): the library's words are Latin.
        // MiniLM embeds English only: other languages are retrieved by word overlap.
        var english = detected.Lang == AgentLanguages.English;
        var query = english ? text : Transliteration.Canonical(text);

        // A follow-up ("and tomorrow?", "aur kal?", "what about sensex?") keeps the previous topic.
        var previous = question.History.LastOrDefault(t => t.IsUser);
        if (previous is not null && !result.Strong && IsFollowUp(text, result.Intent))
        {
            var prevIntent = previous.Intent ?? (await classifier.ClassifyAsync(previous.Text, knowledge, cancellationToken)).Intent;
            if (prevIntent is AgentIntents.MarketQuestion or AgentIntents.Faq)
            {
                result = result with { Intent = prevIntent, QueryVector = null };
                query = previous.Text + " " + query;
            }
        }

        var today = Today();
        var answer = result.Intent switch
        {
            AgentIntents.MarketQuestion => await MarketAsync(query, english, result, knowledge, today, texts, cancellationToken),
            AgentIntents.Faq => await FaqAsync(query, english, result, knowledge, texts, cancellationToken),
            AgentIntents.AdviceRequest => Make(result, texts.Advice + "\n\n" + Disclaimer(texts), buttons: [texts.Menu[1], texts.Menu[2]]),
            AgentIntents.Help => Make(result, texts.Help, buttons: texts.Menu),
            AgentIntents.OptOut => Make(result, texts.OptOut),
            AgentIntents.OptIn => Make(result, texts.OptIn),
            AgentIntents.ConfirmOptOut => Make(result, texts.ConfirmOptOut, buttons: texts.ConfirmButtons),
            AgentIntents.Handoff => Make(result, texts.Handoff),
            AgentIntents.Greeting => Make(result,
                string.Format(CultureInfo.InvariantCulture, texts.Greeting, string.IsNullOrWhiteSpace(question.AdvisorName) ? "" : " " + question.AdvisorName.Trim()),
                buttons: texts.Menu),
            AgentIntents.Thanks => Make(result, texts.Thanks),
            AgentIntents.UnlockAll => Unlock(result, knowledge, today, texts, texts.TodaysContent),
            AgentIntents.UnlockImages => Unlock(result, knowledge, today, texts, texts.TodaysImages),
            AgentIntents.UnlockPosts => Unlock(result, knowledge, today, texts, texts.TodaysPosts),
            AgentIntents.UnlockUpdates => Unlock(result, knowledge, today, texts, texts.TodaysUpdate),
            _ => Make(result with { Intent = AgentIntents.Unknown }, texts.NotFound, buttons: texts.Menu),
        };

        return answer with { LatencyMs = time.GetElapsedTime(started).TotalMilliseconds, Lang = detected.Lang, ReplyLang = replyLang };
    }

    /// <summary>The disclaimer in the reply's language: <c>Hubix:Agent:Disclaimer</c> for English, <c>Hubix:Agent:Disclaimers:{lang}</c> or the built-in text for the others.</summary>
    private string Disclaimer(AgentTexts texts) =>
        texts.Lang == AgentLanguages.English ? Options.Disclaimer
        : Options.Disclaimers.TryGetValue(texts.Lang, out var configured) && !string.IsNullOrWhiteSpace(configured) ? configured
        : texts.Disclaimer;

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

    private static AgentAnswer Unlock(IntentResult r, KnowledgeSnapshot knowledge, DateOnly today, AgentTexts texts, string what)
    {
        var hasPack = knowledge.Passages.Any(p => p.Passage.Date == today);
        var iso = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return hasPack
            ? Make(r, string.Format(CultureInfo.InvariantCulture, texts.Sending, what), ["pack " + iso])
            : Make(r, string.Format(CultureInfo.InvariantCulture, texts.SendingWhenReady, what));
    }

    private async Task<AgentAnswer> MarketAsync(string query, bool english, IntentResult r, KnowledgeSnapshot knowledge, DateOnly today, AgentTexts texts, CancellationToken ct)
    {
        var queryVector = knowledge.Embedded && english ? r.QueryVector ?? (await model.EncodeAsync([query], ct))[0] : null;
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
            return Make(r with { Intent = AgentIntents.MarketQuestion }, texts.NotFound, buttons: texts.Menu);
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
            reply.Append(texts.CannotPredict).Append('\n');
        }

        foreach (var (p, quote) in quotes)
        {
            reply.Append(string.Format(CultureInfo.InvariantCulture, texts.FromSource, p.Passage.Source, KindName(p.Passage.Kind, texts), quote)).Append('\n');
        }

        var used = quotes.Select(q => q.P.Passage).Distinct().ToList();
        var sources = used.Select(p => p.Source).Distinct(StringComparer.Ordinal).ToList();
        // The LLM writes English: it rephrases English conversations only.
        var llmText = texts.Lang == AgentLanguages.English ? await llm.TryAnswerAsync(query, ranked.Take(3).Select(x => x.p.Passage).ToList(), ct) : null;
        if (llmText is not null)
        {
            var llmSources = ranked.Take(3).Select(x => x.p.Passage.Source).Distinct(StringComparer.Ordinal).ToList();
            return new AgentAnswer(AgentIntents.MarketQuestion, llmText + "\n\n" + Options.Disclaimer, llmSources, null, true, 0, AgentPaths.Llm);
        }

        reply.Append('\n').Append(Disclaimer(texts));
        return Make(r with { Intent = AgentIntents.MarketQuestion }, reply.ToString(), sources);
    }

    private async Task<AgentAnswer> FaqAsync(string query, bool english, IntentResult r, KnowledgeSnapshot knowledge, AgentTexts texts, CancellationToken ct)
    {
        var queryVector = knowledge.Embedded && english ? r.QueryVector ?? (await model.EncodeAsync([query], ct))[0] : null;
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
            return Make(r with { Intent = AgentIntents.Faq }, texts.NotFound, buttons: texts.Menu);
        }

        var passage = best.p.Passage;
        var llmText = texts.Lang == AgentLanguages.English ? await llm.TryAnswerAsync(query, [passage], ct) : null;
        if (llmText is not null)
        {
            return new AgentAnswer(AgentIntents.Faq, llmText, [passage.Source], null, true, 0, AgentPaths.Llm);
        }

        var buttons = passage.Id is "faq:talk-to-person" or "faq:not-received" or "faq:todays-content" ? texts.Menu : null;
        // The entry's translation in the reply's language when the FAQ has one ("- hi:" / "- hi-Latn:" lines), else the entry as written.
        var (title, body) = passage.Translations?.GetValueOrDefault(texts.Lang) is { } t ? (t.Title ?? passage.Title, t.Text) : (passage.Title, passage.Text);
        return Make(r with { Intent = AgentIntents.Faq }, $"{title}\n{body}\n({passage.Source})", [passage.Source], buttons);
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

    private static string KindName(string kind, AgentTexts texts) => kind switch
    {
        KnowledgePassage.UpdateKind => texts.KindUpdate,
        KnowledgePassage.ImageKind => texts.KindImage,
        KnowledgePassage.DocumentKind => texts.KindDocument,
        KnowledgePassage.PostKind => texts.KindPost,
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
