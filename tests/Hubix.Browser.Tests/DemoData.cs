using System.Globalization;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Webhooks;

namespace Hubix.Browser.Tests;

/// <summary>
/// Fourteen realistic days for 40 advisors (deterministic): templates at 05:00 IST, most delivered and read,
/// about half tapped, packs of three, a few failures with real Meta codes, some chats and one handoff.
/// </summary>
internal static class DemoData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 3, 0, 0, TimeSpan.Zero); // 08:30 in Asia/Kolkata
    public const int Advisors = 40;

    private static readonly string[] Names =
    [
        "Aarav Shah", "Diya Iyer", "Vihaan Rao", "Ananya Nair", "Ishaan Gupta", "Saanvi Menon", "Kabir Joshi", "Myra Kulkarni",
        "Arjun Reddy", "Aadhya Pillai", "Reyansh Bose", "Kiara Desai", "Atharv Patil", "Pari Chatterjee", "Vivaan Mehta", "Anika Sinha",
        "Rudra Kapoor", "Navya Bhat", "Ayaan Malhotra", "Sara Jain", "Krishna Das", "Riya Saxena", "Dhruv Agarwal", "Avni Mishra",
        "Aditya Verma", "Meera Krishnan", "Shaurya Singh", "Tara Hegde", "Yash Thakur", "Ira Banerjee", "Om Prakash", "Nisha Rao",
        "Karan Sethi", "Pooja Naidu", "Rohan Bhatia", "Sneha Kamath", "Varun Goel", "Lavanya Subramanian", "Nikhil Dutta", "Zara Khan",
    ];

    public static string Phone(int i) => "9198100000" + i.ToString("00", CultureInfo.InvariantCulture);
    public static string Name(int i) => Names[i];
    public static string TemplateWamid(int day, int i) => $"wamid.demo.t.{day}.{i}";

    public static async Task SeedAsync(HubixDb db, CancellationToken ct)
    {
        var rnd = new Random(7);
        await using var ctx = db.CreateDbContext();
        var start = Now.UtcDateTime.AddDays(-30);
        var advisors = Enumerable.Range(0, Advisors).Select(i => new Advisor
        {
            Phone = Phone(i), Name = Names[i], CreatedAt = start, UpdatedAt = start,
        }).ToList();
        ctx.AddRange(advisors);
        var n = 0;
        string Key() => "demo-" + (++n).ToString(CultureInfo.InvariantCulture);

        for (var back = 13; back >= 0; back--)
        {
            // 05:00 in Kolkata is 23:30Z the evening before.
            var send = new DateTime(2026, 3, 10, 0, 0, 0, DateTimeKind.Utc).AddDays(-back).AddMinutes(-30);
            var today = back == 0;
            var active = today ? Advisors - 2 : Advisors - rnd.Next(0, 4);
            for (var i = 0; i < active; i++)
            {
                var phone = Phone(i);
                var at = send.AddSeconds(i * 2);
                var t = Template(phone, at, TemplateWamid(back, i), Key());
                ctx.Add(t);
                var r = rnd.NextDouble();
                if (r < 0.05)
                {
                    Fail(t, at.AddSeconds(3), r < 0.025 ? 131026 : 131049);
                    continue;
                }

                Deliver(t, at.AddSeconds(2 + rnd.Next(5)));
                if (rnd.NextDouble() > 0.72)
                {
                    continue;
                }

                t.ReadAt = t.DeliveredAt!.Value.AddMinutes(rnd.Next(1, 150));
                t.State = OutboxState.Read;
                if (i == 3 || rnd.NextDouble() > 0.62)
                {
                    continue; // advisor 3 never taps today: the browser test's tap comes from them
                }

                var tapAt = t.ReadAt.Value.AddSeconds(rnd.Next(5, 400));
                if (tapAt >= Now.UtcDateTime)
                {
                    continue;
                }

                ctx.Add(Inbound(phone, "button", tapAt, "unlock:" + (back * 100 + i).ToString(CultureInfo.InvariantCulture), null, t.WaMessageId, Key()));
                var partial = rnd.NextDouble() < 0.07;
                for (var k = 0; k < 3; k++)
                {
                    var m = Message(phone, "unlock", tapAt.AddSeconds(1), k == 2 ? "Today's market note (PDF)" : k == 0 ? "Your content for today" : "Nifty chart with commentary", Key());
                    m.GroupKey = "pack-" + back.ToString(CultureInfo.InvariantCulture) + "-" + phone;
                    m.Position = k;
                    ctx.Add(m);
                    if (partial && k == 2)
                    {
                        Fail(m, tapAt.AddSeconds(40), 131053);
                    }
                    else
                    {
                        m.AcceptedAt = tapAt.AddSeconds(1.5 + k * 2 + rnd.NextDouble());
                        Deliver(m, m.AcceptedAt.Value.AddSeconds(1 + rnd.NextDouble() * 3));
                    }
                }

                if (rnd.NextDouble() < 0.22)
                {
                    var ask = tapAt.AddMinutes(rnd.Next(2, 30));
                    if (ask >= Now.UtcDateTime)
                    {
                        continue;
                    }

                    ctx.Add(Inbound(phone, "text", ask, null, Questions[rnd.Next(Questions.Length)], null, Key()));
                    var answer = Message(phone, "agent", ask.AddSeconds(2 + rnd.NextDouble() * 3), Answers[rnd.Next(Answers.Length)], Key());
                    answer.AcceptedAt = answer.CreatedAt.AddSeconds(0.4);
                    Deliver(answer, answer.AcceptedAt.Value.AddSeconds(1));
                    ctx.Add(answer);
                    var advisor = advisors[i];
                    advisor.LastInboundAt = advisor.LastInboundAt is { } last && last > ask ? last : ask;
                    advisor.LastChatAt = advisor.LastChatAt is { } lastChat && lastChat > ask ? lastChat : ask; // answered: not waiting
                }
            }
        }

        // One conversation handed to a person this morning.
        var h = advisors[5];
        var handoffAt = Now.UtcDateTime.AddMinutes(-40);
        ctx.Add(Inbound(h.Phone, "text", handoffAt.AddSeconds(-20), null, "I want to speak to someone about my client's SIP, please call me.", null, Key()));
        h.LastInboundAt = handoffAt.AddSeconds(-20);
        h.LastChatAt = h.LastInboundAt;
        h.NeedsReplyAt = h.LastInboundAt; // nobody has answered yet
        h.HandoffOpen = true;
        h.HandoffAt = handoffAt;
        await ctx.SaveChangesAsync(ct);
    }

    private static readonly string[] Questions =
    [
        "What is the nifty outlook for this week?", "Can I share this note with my clients?", "Is there a Hindi version of today's pack?",
        "What does the RBI decision mean for debt funds?", "Send me yesterday's chart again please",
    ];

    private static readonly string[] Answers =
    [
        "Today's note covers the week's outlook in section 2. This is market commentary, not investment advice.",
        "Yes, the pack is cleared for sharing with clients as is. Please keep the disclaimer.",
        "The Hindi version goes out with tomorrow's pack.",
        "Section 3 of today's note explains the rate decision and its effect on short-duration funds.",
    ];

    private static OutboxMessage Template(string phone, DateTime at, string wamid, string key) => new()
    {
        Recipient = phone, Kind = "template", Purpose = "daily", IdempotencyKey = key, State = OutboxState.Accepted, CreatedAt = at, NextAttemptAt = at,
        Payload = "{\"messaging_product\":\"whatsapp\",\"to\":\"" + phone + "\",\"type\":\"template\",\"template\":{\"name\":\"daily_content_v3\",\"language\":{\"code\":\"en\"}}}",
        WaMessageId = wamid, AcceptedAt = at.AddSeconds(1),
    };

    private static OutboxMessage Message(string phone, string purpose, DateTime at, string text, string key) => new()
    {
        Recipient = phone, Kind = "text", Purpose = purpose, IdempotencyKey = key, State = OutboxState.Queued, CreatedAt = at, NextAttemptAt = at,
        Payload = System.Text.Json.JsonSerializer.Serialize(new { messaging_product = "whatsapp", to = phone, type = "text", text = new { body = text } }),
        WaMessageId = "wamid.demo." + key,
    };

    private static void Deliver(OutboxMessage m, DateTime at)
    {
        m.SentAt = at.AddSeconds(-0.5);
        m.DeliveredAt = at;
        m.State = OutboxState.Delivered;
    }

    private static void Fail(OutboxMessage m, DateTime at, int code)
    {
        m.State = OutboxState.Failed;
        m.FailedAt = at;
        m.ErrorCode = code;
    }

    private static Interaction Inbound(string phone, string type, DateTime at, string? payload, string? text, string? context, string key) => new()
    {
        Direction = "in", Type = type, Phone = phone, At = at, RecordedAt = at.AddSeconds(1), Payload = payload ?? text, Text = text ?? payload,
        Context = context, WaMessageId = "wamid.demo.in." + key, DedupeKey = "demo-in-" + key,
    };
}
