using System.Diagnostics;
using System.Globalization;

namespace Hubix.Bench;

/// <summary>
/// Days of realistic history for N advisors, written straight into the raw tables (issue 13): per advisor and day
/// the daily template (outbox <c>daily</c>) with its sent/delivered/read statuses (~1.5% failed with Meta's 131026,
/// 131049 or 130472), ~30% taps (inbound <c>button</c> whose context is the template's wamid) each unlocking a pack of
/// 6 items (Unlocks row, outbox <c>unlock</c> rows under one GroupKey, their statuses), ~2% chats (inbound text, the
/// agent's reply in the outbox and its statuses, two ConversationTurns; 5% of them hand-offs), and a few opt-outs
/// (STOP, consent event, skipped daily sends after it). Every advisor-day is a pure function of (seed, day, advisor),
/// so the output is deterministic and any advisor's plan can be recomputed without the database.
/// Phones, names and the time zone are those of <see cref="Stack"/>, so the live day's CSV import updates these advisors.
/// </summary>
public sealed class HistoryGenerator(int advisors, int days, DateOnly firstDay, int seed)
{
    public const long PhoneBase = 917_000_000_000L;
    public const int PackItems = Stack.PackItems;
    public const string TimeZone = "Etc/UTC";

    public int Advisors => advisors;
    public int Days => days;
    public DateOnly FirstDay => firstDay;
    public DateOnly LastDay => firstDay.AddDays(days - 1);

    public static readonly string[] Tables =
        ["Advisors", "ContentPacks", "ContentItems", "DailyRuns", "DailySends", "OutboxMessages", "Interactions", "Unlocks", "ConversationTurns", "ConsentEvents"];

    private static readonly string[] ChatTexts =
    [
        "What is the market outlook for today?", "Can you resend yesterday's post?", "Which fund is best for a 5 year SIP?",
        "How do I share this with my clients?", "Is the Nifty note available in Hindi?", "Thanks!", "The image did not load",
        "What are the tax rules for ELSS?", "Please send the video again", "Can I get a personalised banner?",
    ];

    private static readonly (int Code, string Title, string Details)[] Failures =
    [
        (131026, "Message undeliverable", "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number."),
        (131049, "This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
        (130472, "User's number is part of an experiment", "Failed to send message because this user's phone number is part of an experiment"),
    ];

    /// <summary>What one advisor did on one day; times are seconds after the template was accepted.</summary>
    public readonly record struct AdvisorDay(
        bool Sent, bool Stop, int FailCode, double DeliverSec, bool Read, double ReadSec, bool Tap, double TapSec,
        bool PackRead, double PackReadSec, bool PackItemFailed, bool Chat, double ChatSec, int ChatText, bool Handoff, double StopSec);

    /// <summary>The day (0-based) on which the advisor sends STOP, or int.MaxValue: 0.5% of advisors do, once.</summary>
    public int OptOutDay(int advisor)
    {
        var r = new Rng(Mix(seed, -1, advisor));
        return r.Unit() < 0.005 ? (int)(r.Next() % (ulong)days) : int.MaxValue;
    }

    public AdvisorDay Plan(int day, int advisor)
    {
        var r = new Rng(Mix(seed, day, advisor));
        var optOut = OptOutDay(advisor);
        var sent = day <= optOut;
        var fail = r.Unit() < 0.015 ? Failures[r.Unit() switch { < 0.6 => 0, < 0.9 => 1, _ => 2 }].Code : 0;
        // Most phones are on: delivered within seconds; 3% were off for a while.
        var deliver = 1 + r.Unit() * 20 + (r.Unit() < 0.03 ? Exp(ref r, 3 * 3600) : 0);
        var read = sent && fail == 0 && r.Unit() < 0.6;
        var readSec = deliver + Exp(ref r, 5400);
        var tap = read && r.Unit() < 0.5;
        var tapSec = readSec + Exp(ref r, 300);
        var packRead = tap && r.Unit() < 0.75;
        var packReadSec = Exp(ref r, 1200);
        var packFailed = tap && r.Unit() < 0.005;
        var chat = sent && r.Unit() < 0.02;
        // Chats come in between 06:00 and 22:00, i.e. 1 to 17 hours after the 05:00 template.
        var chatSec = 3600 + r.Unit() * 16 * 3600;
        var chatText = (int)(r.Next() % (ulong)ChatTexts.Length);
        var handoff = chat && r.Unit() < 0.05;
        var stopSec = 3600 + r.Unit() * 16 * 3600;
        return new AdvisorDay(sent, day == optOut, fail, deliver, read, readSec, tap, tapSec, packRead, packReadSec, packFailed, chat, chatSec, chatText, handoff, stopSec);
    }

    private static double Exp(ref Rng r, double mean) => -Math.Log(1 - r.Unit()) * mean;

    private static ulong Mix(int seed, int day, int advisor) =>
        ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)(day + 7) << 32) ^ (uint)advisor ^ 0xD1B54A32D192ED03UL;

    /// <summary>SplitMix64: small, fast, and the same on every machine and runtime.</summary>
    private struct Rng(ulong state)
    {
        private ulong _s = state;

        public ulong Next()
        {
            var z = _s += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public double Unit() => (Next() >> 11) * (1.0 / (1UL << 53));
    }

    public static string Phone(int advisor) => (PhoneBase + advisor).ToString(CultureInfo.InvariantCulture);

    private DateTime DayStart(int day) => firstDay.AddDays(day).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>The template was accepted at 05:00 plus the advisor's place in the 1,000 msg/s fan-out.</summary>
    private DateTime AcceptedAt(int day, int advisor) => DayStart(day).AddHours(5).AddTicks(advisor * TimeSpan.TicksPerMillisecond + 5 * TimeSpan.TicksPerMillisecond);

    /// <summary>Times of the day stay in the day (the dashboard counts by day).</summary>
    private DateTime Clamp(int day, DateTime t)
    {
        var end = DayStart(day).AddDays(1).AddSeconds(-1);
        return t > end ? end : t;
    }

    /// <summary>
    /// When the advisor last wrote or tapped, last wrote something other than a tap (the inbox's order), and was last
    /// handed off, from the plans (no database needed).
    /// </summary>
    private (DateTime? LastInbound, DateTime? LastChat, DateTime? Handoff, bool HandoffOpen) Inbound(int advisor)
    {
        DateTime? last = null, lastChat = null, handoff = null;
        var open = false;
        for (var d = days - 1; d >= 0 && (last is null || lastChat is null || handoff is null); d--)
        {
            var p = Plan(d, advisor);
            var acc = AcceptedAt(d, advisor);
            DateTime? t = null;
            if (p.Tap)
            {
                t = Clamp(d, acc.AddSeconds(p.TapSec));
            }

            if (p.Chat && (t is null || acc.AddSeconds(p.ChatSec) > t))
            {
                t = Clamp(d, acc.AddSeconds(p.ChatSec));
            }

            if (p.Stop && (t is null || acc.AddSeconds(p.StopSec) > t))
            {
                t = Clamp(d, acc.AddSeconds(p.StopSec));
            }

            last ??= t is null ? null : Seconds(t.Value);
            DateTime? chat = p.Chat ? Clamp(d, acc.AddSeconds(p.ChatSec)) : null;
            if (p.Stop && (chat is null || acc.AddSeconds(p.StopSec) > chat))
            {
                chat = Clamp(d, acc.AddSeconds(p.StopSec));
            }

            if (lastChat is null && chat is not null)
            {
                lastChat = Seconds(chat.Value);
                // The advisor's newest chat asked for a person and nobody has answered yet: the handoff is still open,
                // and the conversation waits for a reply (what the inbox's two tabs list).
                open = p.Handoff && p.Chat && (!p.Stop || p.ChatSec >= p.StopSec);
            }

            if (handoff is null && p.Handoff)
            {
                handoff = Clamp(d, acc.AddSeconds(p.ChatSec + 2));
            }
        }

        return (last, lastChat, handoff, open);
    }

    private static DateTime Seconds(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static long Unix(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    private static readonly string[] AdvisorCols = ["Id", "Phone", "UserId", "Name", "TimeZone", "Language", "Categories", "Status", "CreatedAt", "UpdatedAt", "DeletedAt", "LastInboundAt", "HandoffOpen", "HandoffAt", "LastChatAt", "NeedsReplyAt"];
    // History packs were sent, so they are approved (version 1 of each); items default to version 1.
    private static readonly string[] PackCols = ["Id", "Date", "Category", "Description", "CreatedAt", "UpdatedAt", "Version", "ApprovedVersion", "ApprovedDescription"];
    private static readonly string[] ItemCols = ["Id", "PackId", "Position", "Kind", "Text", "Caption", "FileName", "Url", "MediaId"];
    private static readonly string[] RunCols = ["Id", "StartedAt", "FinishedAt", "Trigger", "Due", "Enqueued", "Skipped", "Reasons", "Note"];
    private static readonly string[] SendCols = ["Id", "AdvisorId", "Phone", "LocalDate", "PackId", "State", "Reason", "OutboxKey", "CreatedAt"];

    private static readonly string[] OutboxCols =
        ["Id", "Recipient", "Kind", "Payload", "IdempotencyKey", "GroupKey", "Position", "Purpose", "Priority", "State", "Attempts", "CreatedAt", "NextAttemptAt",
         "LeaseUntil", "ExpiresAt", "WaMessageId", "AcceptedAt", "SentAt", "DeliveredAt", "ReadAt", "FailedAt", "ErrorCode", "ErrorReason"];

    private static readonly string[] InteractionCols =
        ["Id", "At", "RecordedAt", "Phone", "UserId", "Direction", "Type", "Payload", "Text", "WaMessageId", "Context", "ErrorCode", "ErrorDetails", "DedupeKey", "Raw"];

    private static readonly string[] UnlockCols =
        ["Id", "AdvisorId", "Phone", "PackId", "PackDate", "Scope", "Sequence", "LocalDate", "GroupKey", "TapMessageId", "TapKind", "ResolvedBy", "TappedAt", "CreatedAt",
         "State", "ItemCount", "SkippedItems", "FirstAcceptedAt", "DeliveredAt", "FinishedAt", "FailureReason"];

    private static readonly string[] TurnCols =
        ["Id", "AdvisorId", "Phone", "Role", "InboundWamid", "Kind", "Text", "At", "CreatedAt", "State", "Attempts", "NextAttemptAt", "LeaseUntil", "Intent", "Sources",
         "LatencyMs", "QueuedAfterMs", "Llm", "Path", "OutboxId", "Note"];

    private static readonly string[] ConsentCols = ["Id", "AdvisorId", "Phone", "At", "Status", "Source", "Detail"];

    private static readonly Dictionary<string, string[]> Columns = new(StringComparer.Ordinal)
    {
        ["Advisors"] = AdvisorCols, ["ContentPacks"] = PackCols, ["ContentItems"] = ItemCols, ["DailyRuns"] = RunCols, ["DailySends"] = SendCols,
        ["OutboxMessages"] = OutboxCols, ["Interactions"] = InteractionCols, ["Unlocks"] = UnlockCols, ["ConversationTurns"] = TurnCols, ["ConsentEvents"] = ConsentCols,
    };

    /// <summary>Writes everything into tables the migrations made (empty); returns the rows per table.</summary>
    public async Task<Dictionary<string, long>> WriteAsync(BulkTarget target, Action<string> log, CancellationToken ct)
    {
        foreach (var (table, cols) in Columns)
        {
            await target.CheckColumnsAsync(table, cols, ct);
        }

        var indexes = await target.DropIndexesAsync(Tables, ct);
        var sw = Stopwatch.StartNew();
        var w = new Writer(target);

        // Parents first (PostgreSQL checks the foreign keys of each COPY against committed rows).
        var adv = target.Table("Advisors", AdvisorCols);
        var created = DayStart(0).AddDays(-1).AddHours(12);
        for (var i = 0; i < advisors; i++)
        {
            var (last, lastChat, handoff, open) = Inbound(i);
            adv.Long(i + 1);
            adv.Str(Phone(i));
            adv.Null();
            adv.Str("Advisor " + i.ToString(CultureInfo.InvariantCulture));
            adv.Str(TimeZone);
            adv.Str("en");
            adv.Str("");
            adv.Int(OptOutDay(i) < days ? 1 : 0);
            adv.Time(created);
            adv.Time(created);
            adv.Null();
            adv.TimeN(last);
            adv.Bool(open);
            adv.TimeN(handoff);
            adv.TimeN(lastChat);
            adv.TimeN(open ? lastChat : null);
            adv.EndRow();
        }

        adv.Close();
        var packs = target.Table("ContentPacks", PackCols);
        var items = target.Table("ContentItems", ItemCols);
        for (var d = 0; d < days; d++)
        {
            var date = firstDay.AddDays(d);
            var at = DayStart(d).AddHours(-6);
            packs.Long(d + 1);
            packs.Date(date);
            packs.Str("");
            packs.Str($"Markets on {date:dd MMM yyyy}");
            packs.Time(at);
            packs.Time(at);
            packs.Int(1);
            packs.Int(1);
            packs.Str($"Markets on {date:dd MMM yyyy}");
            packs.EndRow();
            for (var k = 0; k < PackItems; k++)
            {
                items.Long(d * PackItems + k + 1);
                items.Long(d + 1);
                items.Int(k);
                items.Str("post");
                items.Str(ItemText(date, k, "{name}"));
                items.Null();
                items.Null();
                items.Null();
                items.Null();
                items.EndRow();
            }
        }

        packs.Close();
        items.Close();
        await target.CheckpointAsync(ct);
        w.Open();
        var before = w.Rows;
        for (var d = 0; d < days; d++)
        {
            ct.ThrowIfCancellationRequested();
            var t0 = sw.Elapsed;
            WriteDay(w, d);
            await target.CheckpointAsync(ct);
            var rows = w.Rows - before;
            before = w.Rows;
            log($"history: day {d + 1}/{days} ({firstDay.AddDays(d):yyyy-MM-dd}): {rows:N0} rows in {(sw.Elapsed - t0).TotalSeconds:0.0} s " +
                $"({rows / Math.Max(0.001, (sw.Elapsed - t0).TotalSeconds):N0} rows/s); {w.Rows:N0} so far");
        }

        var loaded = sw.Elapsed;
        log($"history: rows written in {loaded.TotalSeconds:0.0} s; recreating {indexes.Count} indexes and finishing");
        await target.FinishAsync(Tables, indexes, ct);
        log($"history: indexes and finish in {(sw.Elapsed - loaded).TotalSeconds:0.0} s");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["Advisors"] = adv.Rows, ["ContentPacks"] = packs.Rows, ["ContentItems"] = items.Rows,
        };
        foreach (var (name, table) in w.All)
        {
            counts[name] = table.Rows;
        }

        return counts;
    }

    private static string ItemText(DateOnly date, int k, string name) =>
        $"[{date:dd MMM}] Market note {k + 1}/{PackItems} for {name}: equity markets opened mixed; large caps steady, mid caps under pressure. " +
        "Share this with your clients along with the chart of the week and a reminder to stay invested through volatility.";

    /// <summary>The open tables of the per-day phase and the id counters.</summary>
    private sealed class Writer(BulkTarget target)
    {
        public BulkTable Runs = null!, Sends = null!, Outbox = null!, Log = null!, Unlocks = null!, Turns = null!, Consent = null!;
        public long OutboxId, LogId, SendId, UnlockId, TurnId, ConsentId, RunId, Serial;

        public void Open()
        {
            Runs = target.Table("DailyRuns", RunCols);
            Sends = target.Table("DailySends", SendCols);
            Outbox = target.Table("OutboxMessages", OutboxCols);
            Log = target.Table("Interactions", InteractionCols);
            Unlocks = target.Table("Unlocks", UnlockCols);
            Turns = target.Table("ConversationTurns", TurnCols);
            Consent = target.Table("ConsentEvents", ConsentCols);
        }

        public IEnumerable<(string, BulkTable)> All =>
        [
            ("DailyRuns", Runs), ("DailySends", Sends), ("OutboxMessages", Outbox), ("Interactions", Log), ("Unlocks", Unlocks),
            ("ConversationTurns", Turns), ("ConsentEvents", Consent),
        ];

        public long Rows => Runs.Rows + Sends.Rows + Outbox.Rows + Log.Rows + Unlocks.Rows + Turns.Rows + Consent.Rows;

        public string Wamid(string phone) => $"wamid.HBgM{phone}FQIAERgS{++Serial:X16}";
    }

    private void WriteDay(Writer w, int d)
    {
        var date = firstDay.AddDays(d);
        var iso = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var pretty = date.ToString("dd MMM yyyy", CultureInfo.InvariantCulture);
        var packId = d + 1L;
        var start = DayStart(d).AddHours(5);
        int enqueued = 0, skipped = 0;
        for (var i = 0; i < advisors; i++)
        {
            var p = Plan(d, i);
            var phone = Phone(i);
            var name = "Advisor " + i.ToString(CultureInfo.InvariantCulture);
            var s = w.Sends;
            s.Long(++w.SendId);
            s.Long(i + 1);
            s.Str(phone);
            s.Date(date);
            s.Long(packId);
            if (!p.Sent)
            {
                skipped++;
                s.Int(1);
                s.Str("opted_out");
                s.Null();
                s.Time(start);
                s.EndRow();
                continue;
            }

            enqueued++;
            var key = $"daily:{phone}:{iso}";
            s.Int(0);
            s.Null();
            s.Str(key);
            s.Time(start);
            s.EndRow();

            // The daily template and what Meta said about it.
            var acc = AcceptedAt(d, i);
            var templateWamid = w.Wamid(phone);
            var payload =
                $"{{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"{phone}\",\"type\":\"template\",\"template\":{{\"name\":\"daily_content_ready_v1\"," +
                $"\"language\":{{\"code\":\"en\"}},\"components\":[{{\"type\":\"body\",\"parameters\":[{{\"type\":\"text\",\"text\":\"{name}\"}},{{\"type\":\"text\",\"text\":\"{pretty}\"}}," +
                $"{{\"type\":\"text\",\"text\":\"Markets on {pretty}\"}}]}},{{\"type\":\"button\",\"sub_type\":\"quick_reply\",\"index\":\"0\",\"parameters\":[{{\"type\":\"payload\"," +
                $"\"payload\":\"RETRIEVE_CONTENT:{iso}:{packId}\"}}]}}]}}}}";
            var templateId = Message(w, d, phone, "template", payload, key, null, 0, "daily", 1, start, DayStart(d).AddDays(1), templateWamid, acc, p.FailCode,
                p.DeliverSec, p.Read ? p.ReadSec : null);

            if (p.Tap)
            {
                var tapAt = Seconds(Clamp(d, acc.AddSeconds(p.TapSec)));
                var tapWamid = w.Wamid(phone);
                var buttonPayload = $"RETRIEVE_CONTENT:{iso}:{packId}";
                Inbound(w, tapAt, phone, "button", buttonPayload, "Retrieve Content", tapWamid, templateWamid,
                    $"{{\"context\":{{\"from\":\"15550783881\",\"id\":\"{templateWamid}\"}},\"from\":\"{phone}\",\"id\":\"{tapWamid}\",\"timestamp\":\"{Unix(tapAt)}\"," +
                    $"\"type\":\"button\",\"button\":{{\"payload\":\"{buttonPayload}\",\"text\":\"Retrieve Content\"}}}}");
                var group = $"unlock:{phone}:{packId}:all:{iso}:1";
                var createdAt = tapAt.AddMilliseconds(400);
                DateTime first = default, lastAccepted = default, failedAt = default;
                for (var k = 0; k < PackItems; k++)
                {
                    var itemAcc = createdAt.AddMilliseconds(60 + 40 * k);
                    var failed = p.PackItemFailed && k == PackItems - 1;
                    var body = ItemText(date, k, name);
                    Message(w, d, phone, "text",
                        $"{{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"{phone}\",\"type\":\"text\",\"text\":{{\"body\":\"{body}\"}}}}",
                        $"{group}:{k + 1}", group, k, "unlock", k == 0 ? 0 : 1, createdAt, createdAt.AddDays(1), w.Wamid(phone), itemAcc, failed ? 131049 : 0,
                        1 + k * 0.2, p.PackRead ? 2 + p.PackReadSec : null);
                    first = k == 0 ? itemAcc : first;
                    if (failed)
                    {
                        failedAt = Clamp(d, itemAcc.AddSeconds(1));
                    }
                    else
                    {
                        lastAccepted = itemAcc;
                    }
                }

                var u = w.Unlocks;
                u.Long(++w.UnlockId);
                u.Long(i + 1);
                u.Str(phone);
                u.Long(packId);
                u.Date(date);
                u.Str("all");
                u.Int(1);
                u.Date(date);
                u.Str(group);
                u.Str(tapWamid);
                u.Str("button");
                u.Str("payload");
                u.Time(tapAt);
                u.Time(createdAt);
                u.Int(p.PackItemFailed ? 2 : 1);
                u.Int(PackItems);
                u.Int(0);
                u.Time(first);
                u.TimeN(p.PackItemFailed ? null : lastAccepted);
                u.Time(p.PackItemFailed ? failedAt : lastAccepted);
                u.Str(p.PackItemFailed ? "This message was not delivered to maintain healthy ecosystem engagement." : null);
                u.EndRow();
            }

            if (p.Chat)
            {
                var at = Seconds(Clamp(d, acc.AddSeconds(p.ChatSec)));
                var text = ChatTexts[p.ChatText];
                var wamid = w.Wamid(phone);
                Inbound(w, at, phone, "text", text, text, wamid, null,
                    $"{{\"from\":\"{phone}\",\"id\":\"{wamid}\",\"timestamp\":\"{Unix(at)}\",\"type\":\"text\",\"text\":{{\"body\":\"{text}\"}}}}");
                var reply = p.Handoff
                    ? "I am connecting you with a person from our team; they will reply here shortly."
                    : $"Here is what I found about {text.TrimEnd('?', '!')}: today's pack covers the market outlook, and you can tap Retrieve Content on the morning message to get it.";
                var replyAt = at.AddMilliseconds(1500);
                var outboxId = Message(w, d, phone, "text",
                    $"{{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"{phone}\",\"type\":\"text\",\"text\":{{\"body\":\"{reply}\"}}}}",
                    "agent:" + wamid, null, 0, "agent", 0, replyAt, at.AddDays(1), w.Wamid(phone), replyAt.AddMilliseconds(80), 0, 2, 30);
                Turn(w, i, phone, "user", wamid, "text", text, at, at, null, null, null, null, null, null);
                Turn(w, i, phone, "agent", wamid, "text", reply, replyAt, replyAt, p.Handoff ? "handoff" : "content", p.Handoff ? null : $"pack:{iso}\nfaq:sharing",
                    p.Handoff ? 35 : 420, 1200, p.Handoff ? "rules" : "retrieval", outboxId);
            }

            if (p.Stop)
            {
                var at = Seconds(Clamp(d, acc.AddSeconds(p.StopSec)));
                var wamid = w.Wamid(phone);
                Inbound(w, at, phone, "text", "STOP", "STOP", wamid, null,
                    $"{{\"from\":\"{phone}\",\"id\":\"{wamid}\",\"timestamp\":\"{Unix(at)}\",\"type\":\"text\",\"text\":{{\"body\":\"STOP\"}}}}");
                var c = w.Consent;
                c.Long(++w.ConsentId);
                c.Long(i + 1);
                c.Str(phone);
                c.Time(at);
                c.Int(1);
                c.Str("keyword");
                c.Str("STOP");
                c.EndRow();
            }

            _ = templateId;
        }

        var r = w.Runs;
        r.Long(++w.RunId);
        r.Time(start);
        r.Time(start.AddSeconds(Math.Max(1, advisors / 5000.0)));
        r.Str("schedule");
        r.Int(enqueued + skipped);
        r.Int(enqueued);
        r.Int(skipped);
        r.Str(skipped > 0 ? $"{{\"opted_out\":{skipped}}}" : "{}");
        r.Null();
        r.EndRow();
    }

    /// <summary>An outbox row, its "out" log row, and its statuses (sent, delivered, read; or failed).</summary>
    private long Message(Writer w, int d, string phone, string kind, string payload, string key, string? group, int position, string purpose, int priority,
        DateTime createdAt, DateTime expiresAt, string wamid, DateTime acceptedAt, int failCode, double deliverSec, double? readSec)
    {
        var id = ++w.OutboxId;
        var sentAt = Seconds(Clamp(d, acceptedAt.AddSeconds(1)));
        var deliveredAt = failCode != 0 ? (DateTime?)null : Seconds(Clamp(d, acceptedAt.AddSeconds(deliverSec)));
        var readAt = failCode != 0 || readSec is null ? (DateTime?)null : Seconds(Clamp(d, acceptedAt.AddSeconds(readSec.Value)));
        var failedAt = failCode != 0 ? sentAt : (DateTime?)null;
        var failure = failCode != 0 ? Failures.First(f => f.Code == failCode) : default;
        var o = w.Outbox;
        o.Long(id);
        o.Str(phone);
        o.Str(kind);
        o.Str(payload);
        o.Str(key);
        o.Str(group);
        o.Int(position);
        o.Str(purpose);
        o.Int(priority);
        o.Int(failCode != 0 ? 9 : readAt is not null ? 5 : 4);
        o.Int(1);
        o.Time(createdAt);
        o.Time(createdAt);
        o.Null();
        o.Time(expiresAt);
        o.Str(wamid);
        o.Time(acceptedAt);
        o.TimeN(failCode != 0 ? null : sentAt);
        o.TimeN(deliveredAt);
        o.TimeN(readAt);
        o.TimeN(failedAt);
        o.IntN(failCode != 0 ? failCode : null);
        o.Str(failCode != 0 ? failure.Title : null);
        o.EndRow();

        var ctx = id.ToString(CultureInfo.InvariantCulture);
        LogRow(w, acceptedAt, acceptedAt, phone, "out", kind, purpose, null, wamid, ctx, null, null, "out:" + ctx, null);
        if (failCode != 0)
        {
            Status(w, sentAt, phone, wamid, ctx, "failed", failure);
            return id;
        }

        Status(w, sentAt, phone, wamid, ctx, "sent", default);
        Status(w, deliveredAt!.Value, phone, wamid, ctx, "delivered", default);
        if (readAt is { } ra)
        {
            Status(w, ra, phone, wamid, ctx, "read", default);
        }

        return id;
    }

    private static void Status(Writer w, DateTime at, string phone, string wamid, string ctx, string status, (int Code, string Title, string Details) error)
    {
        var raw = error.Code != 0
            ? $"{{\"id\":\"{wamid}\",\"status\":\"failed\",\"timestamp\":\"{Unix(at)}\",\"recipient_id\":\"{phone}\",\"biz_opaque_callback_data\":\"{ctx}\"," +
              $"\"errors\":[{{\"code\":{error.Code},\"title\":\"{error.Title}\",\"message\":\"{error.Title}\",\"error_data\":{{\"details\":\"{error.Details}\"}}}}]}}"
            : $"{{\"id\":\"{wamid}\",\"status\":\"{status}\",\"timestamp\":\"{Unix(at)}\",\"recipient_id\":\"{phone}\",\"biz_opaque_callback_data\":\"{ctx}\"," +
              $"\"conversation\":{{\"id\":\"c0{wamid[^16..]}0d1e2f3a4b5c6d7e\",\"origin\":{{\"type\":\"utility\"}}}}," +
              "\"pricing\":{\"billable\":true,\"pricing_model\":\"PMP\",\"type\":\"regular\",\"category\":\"utility\"}}";
        LogRow(w, at, at.AddMilliseconds(180), phone, "status", status, status, null, wamid, ctx, error.Code != 0 ? error.Code : null,
            error.Code != 0 ? error.Details : null, $"status:{wamid}:{status}", raw);
    }

    private static void Inbound(Writer w, DateTime at, string phone, string type, string? payload, string? text, string wamid, string? context, string raw) =>
        LogRow(w, at, at.AddMilliseconds(250), phone, "in", type, payload, text, wamid, context, null, null, "msg:" + wamid, raw);

    private static void LogRow(Writer w, DateTime at, DateTime recorded, string phone, string direction, string type, string? payload, string? text,
        string? wamid, string? context, int? errorCode, string? errorDetails, string dedupe, string? raw)
    {
        var l = w.Log;
        l.Long(++w.LogId);
        l.Time(at);
        l.Time(recorded);
        l.Str(phone);
        l.Null();
        l.Str(direction);
        l.Str(type);
        l.Str(payload);
        l.Str(text);
        l.Str(wamid);
        l.Str(context);
        l.IntN(errorCode);
        l.Str(errorDetails);
        l.Str(dedupe);
        l.Str(raw);
        l.EndRow();
    }

    private static void Turn(Writer w, int advisor, string phone, string role, string wamid, string kind, string? text, DateTime at, DateTime createdAt,
        string? intent, string? sources, double? latencyMs, long? queuedAfterMs, string? path, long? outboxId)
    {
        var t = w.Turns;
        t.Long(++w.TurnId);
        t.Long(advisor + 1);
        t.Str(phone);
        t.Str(role);
        t.Str(wamid);
        t.Str(kind);
        t.Str(text);
        t.Time(at);
        t.Time(createdAt);
        t.Int(1);
        t.Int(role == "user" ? 1 : 0);
        t.Time(createdAt);
        t.Null();
        t.Str(intent);
        t.Str(sources);
        t.RealN(latencyMs);
        t.LongN(queuedAfterMs);
        t.Bool(path == "llm");
        t.Str(path);
        t.LongN(outboxId);
        t.Null();
        t.EndRow();
    }
}
