using Hubix.Advisors;
using Hubix.DailyPack;
using Hubix.Agent;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;

namespace Hubix.Tests.Dashboard;

/// <summary>
/// A seeded day with known answers. Day D is 2026-03-10 in Asia/Kolkata (UTC+05:30), i.e.
/// 2026-03-09T18:30Z to 2026-03-10T18:30Z. Every figure the tests expect is derived in the comments.
/// </summary>
internal static class DashboardScenario
{
    public static readonly DateOnly Day = new(2026, 3, 10);
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 3, 0, 0, TimeSpan.Zero);
    public const string Template = "daily_pack_v2";
    public const string A1 = "919800000001", A2 = "919800000002", A3 = "919800000003", A4 = "919800000004";

    private static DateTime T(int day, int h, int m, int s = 0) => new(2026, 3, day, h, m, s, DateTimeKind.Utc);

    public static async Task SeedAsync(HubixDb db)
    {
        await using var ctx = db.CreateDbContext();
        foreach (var (phone, name) in new[] { (A1, "Asha"), (A2, "Bala"), (A3, "Chitra"), (A4, "Dev") })
        {
            ctx.Add(new Advisor { Phone = phone, Name = name, CreatedAt = T(1, 0, 0), UpdatedAt = T(1, 0, 0) });
        }

        await ctx.SaveChangesAsync(TestContext.Current.CancellationToken);
        var ids = ctx.Set<Advisor>().ToDictionary(a => a.Phone, a => a.Id);
        var a3 = ctx.Set<Advisor>().Single(a => a.Phone == A3);
        a3.LastInboundAt = T(10, 2, 1);
        a3.HandoffOpen = true;
        a3.HandoffAt = T(10, 2, 2);
        ctx.Set<Advisor>().Single(a => a.Phone == A4).Status = AdvisorStatus.OptedOut;

        // Templates at 05:00 IST on D (23:30Z the evening before):
        //   A1 read, A2 delivered, A3 delivered (its status also in the CRM log), A4 failed 131026.
        //   → queued 4, sent 3, delivered 3, read 1, failed 1 {131026: 1}.
        var sendAt = T(9, 23, 30);
        Out(ctx, A1, "daily", sendAt, OutboxState.Read, "w1", accepted: sendAt, delivered: T(9, 23, 31), read: T(9, 23, 40));
        Out(ctx, A2, "daily", sendAt, OutboxState.Delivered, "w2", accepted: sendAt, delivered: T(9, 23, 31));
        Out(ctx, A3, "daily", sendAt, OutboxState.Delivered, "w3", accepted: sendAt, delivered: T(9, 23, 32));
        Out(ctx, A4, "daily", sendAt, OutboxState.Failed, null, failed: T(9, 23, 30, 5), error: 131026);
        Log(ctx, "status", "delivered", A3, T(9, 23, 32), "w3-delivered", wamid: "w3");
        // The day before (D-1): one template, delivered.
        Out(ctx, A1, "daily", T(8, 23, 30), OutboxState.Delivered, "w0", accepted: T(8, 23, 30), delivered: T(8, 23, 31));

        // Saved before the taps, as in real life: a tap is counted for the template it answers when it arrives.
        await ctx.SaveChangesAsync(TestContext.Current.CancellationToken);

        // Taps: A1 twice (the second one made no new pack), A2 once → taps 3, unique 2, tap rate 2/3.
        Log(ctx, "in", "button", A1, T(10, 0, 0), "tap1", recorded: T(10, 0, 0, 1), context: "w1", payload: "unlock");
        Log(ctx, "in", "button", A1, T(10, 0, 5), "tap2", recorded: T(10, 0, 5, 1), context: "w1", payload: "unlock");
        Log(ctx, "in", "button", A2, T(10, 1, 0), "tap3", recorded: T(10, 1, 0, 2), context: "w2", payload: "unlock");

        // A1's pack: both delivered → delivered; first accepted 3 s after the tap, last delivered 20 s after.
        Out(ctx, A1, "unlock", T(10, 0, 0, 1), OutboxState.Delivered, "p1a", group: "pack-a1", pos: 0, accepted: T(10, 0, 0, 3), delivered: T(10, 0, 0, 5));
        Out(ctx, A1, "unlock", T(10, 0, 0, 1), OutboxState.Delivered, "p1b", group: "pack-a1", pos: 1, accepted: T(10, 0, 0, 10), delivered: T(10, 0, 0, 20));
        // A2's pack: one delivered (accepted 7 s after the tap), one failed 131056 → partial.
        Out(ctx, A2, "unlock", T(10, 1, 0, 2), OutboxState.Delivered, "p2a", group: "pack-a2", pos: 0, accepted: T(10, 1, 0, 7), delivered: T(10, 1, 0, 9));
        Out(ctx, A2, "unlock", T(10, 1, 0, 2), OutboxState.Failed, null, group: "pack-a2", pos: 1, failed: T(10, 1, 0, 30), error: 131056);

        // The unlocks those taps made (the tap→pack figures come from them, bucketed: 3 s → under 4 s, 7 s → under 7.5 s, 20 s → under 30 s).
        Unlock(ctx, ids[A1], A1, "pack-a1", "tap1", T(10, 0, 0), UnlockState.Delivered, firstAccepted: T(10, 0, 0, 3), delivered: T(10, 0, 0, 20));
        Unlock(ctx, ids[A2], A2, "pack-a2", "tap3", T(10, 1, 0), UnlockState.Partial, firstAccepted: T(10, 1, 0, 7), delivered: null);

        // A3 chats twice and gets one agent answer.
        Log(ctx, "in", "text", A3, T(10, 2, 0), "chat1", text: "What is the nifty outlook?");
        Log(ctx, "in", "text", A3, T(10, 2, 1), "chat2", text: "And gold?");
        Out(ctx, A3, "agent", T(10, 2, 0, 2), OutboxState.Delivered, "ag1", accepted: T(10, 2, 0, 3), delivered: T(10, 2, 0, 4), text: "Markets are volatile.");

        // The consent ledger → D: opt-outs 2, opt-ins 1; D-1: none.
        //   A4 opts out at 00:00 IST on D (still D-1 in UTC); A2 is opted out by a 131050 and writes START an hour later.
        //   A4's opt-in at 23:59 IST on the 8th is before the range.
        Consent(ctx, ids[A4], A4, T(8, 18, 29), AdvisorStatus.Active, "admin");
        Consent(ctx, ids[A4], A4, T(9, 18, 30), AdvisorStatus.OptedOut, "keyword");
        Consent(ctx, ids[A2], A2, T(10, 1, 30), AdvisorStatus.OptedOut, "error_131050");
        Consent(ctx, ids[A2], A2, T(10, 2, 30), AdvisorStatus.Active, "keyword");

        // The agent's turns (its own table; AgentAnswers counts the outbox instead, so it stays 1). Replies by intent
        // → D: market_question 7, faq 1, unknown 1 (no intent); D-1: market_question 1. A3's second reply opened the
        // hand-off that the advisor row keeps (D: 1 hand-off); the one on D-1 is only in the agent's history (D-1: 1).
        // The advisor's own turns carry an intent too but are not answers.
        void A3Turn(string role, string key, DateTime at, string? intent, string? note = null) => ctx.Add(new ConversationTurn
        {
            AdvisorId = ids[A3], Phone = A3, Role = role, InboundWamid = "wamid." + key, Kind = "text", At = at, CreatedAt = at, NextAttemptAt = at,
            State = ConversationTurnState.Answered, Intent = intent, Note = note,
        });

        A3Turn(AgentTurn.UserRole, "chat1", T(10, 2, 0), AgentIntents.MarketQuestion);
        A3Turn(AgentTurn.AgentRole, "chat1", T(10, 2, 0, 2), AgentIntents.MarketQuestion);
        A3Turn(AgentTurn.UserRole, "chat2", T(10, 2, 1), AgentIntents.MarketQuestion);
        A3Turn(AgentTurn.AgentRole, "chat2", T(10, 2, 2), AgentIntents.MarketQuestion, note: "handoff_opened");
        for (var i = 1; i <= 5; i++)
        {
            A3Turn(AgentTurn.AgentRole, "q" + i, T(10, 1, 10 + i), AgentIntents.MarketQuestion);
        }

        A3Turn(AgentTurn.AgentRole, "q6", T(10, 1, 20), AgentIntents.Faq);
        A3Turn(AgentTurn.AgentRole, "q7", T(10, 1, 21), null);
        A3Turn(AgentTurn.AgentRole, "q0", T(9, 12, 0), AgentIntents.MarketQuestion, note: "handoff_opened");
        await ctx.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private static void Unlock(HubixDbContext ctx, long advisorId, string phone, string group, string tap, DateTime at, UnlockState state, DateTime? firstAccepted, DateTime? delivered) =>
        ctx.Add(new UnlockRecord
        {
            AdvisorId = advisorId, Phone = phone, PackId = 1, PackDate = Day, Scope = "all", Sequence = 1, LocalDate = Day, GroupKey = group,
            TapMessageId = "wamid." + tap, TapKind = "button", ResolvedBy = "context", TappedAt = at, CreatedAt = at, State = state, ItemCount = 2,
            FirstAcceptedAt = firstAccepted, DeliveredAt = delivered, FinishedAt = delivered,
        });

    private static void Consent(HubixDbContext ctx, long advisorId, string phone, DateTime at, AdvisorStatus status, string source) =>
        ctx.Add(new ConsentEvent { AdvisorId = advisorId, Phone = phone, At = at, Status = status, Source = source });

    private static int _n;

    public static void Out(
        HubixDbContext ctx, string to, string purpose, DateTime created, OutboxState state, string? wamid, string? group = null, int pos = 0,
        DateTime? accepted = null, DateTime? delivered = null, DateTime? read = null, DateTime? failed = null, int? error = null, string? text = null)
    {
        var payload = purpose == "daily"
            ? "{\"messaging_product\":\"whatsapp\",\"to\":\"" + to + "\",\"type\":\"template\",\"template\":{\"name\":\"" + Template + "\",\"language\":{\"code\":\"en\"}}}"
            : "{\"messaging_product\":\"whatsapp\",\"to\":\"" + to + "\",\"type\":\"text\",\"text\":{\"body\":\"" + (text ?? "pack item") + "\"}}";
        ctx.Add(new OutboxMessage
        {
            Recipient = to, Kind = purpose == "daily" ? "template" : "text", Payload = payload, IdempotencyKey = "seed-" + Interlocked.Increment(ref _n),
            Purpose = purpose, GroupKey = group, Position = pos, State = state, CreatedAt = created, NextAttemptAt = created, WaMessageId = wamid,
            AcceptedAt = accepted, SentAt = accepted is null ? null : delivered ?? accepted, DeliveredAt = delivered, ReadAt = read, FailedAt = failed, ErrorCode = error,
        });
    }

    public static void Log(
        HubixDbContext ctx, string direction, string type, string phone, DateTime at, string key, DateTime? recorded = null, string? context = null,
        string? payload = null, string? text = null, string? wamid = null)
    {
        ctx.Add(new Interaction
        {
            Direction = direction, Type = type, Phone = phone, At = at, RecordedAt = recorded ?? at, DedupeKey = key, Context = context,
            Payload = payload, Text = text, WaMessageId = wamid ?? "wamid." + key,
        });
    }
}
