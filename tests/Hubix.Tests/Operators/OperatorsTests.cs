using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hubix.Advisors;
using Hubix.Content;
using Hubix.DailyPack;
using Hubix.Data;
using Hubix.Delivery;
using Hubix.Operators;
using Hubix.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.Operators;

/// <summary>Named users with roles, sessions, tokens, live-feed tickets, the failure limit and the audit trail, over HTTP.</summary>
public class OperatorsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Password = "correct-horse-battery";

    private static async Task<HttpClient> TokenClientAsync(HubixTestHost host, string name, string role)
    {
        var users = host.Services.GetRequiredService<UserService>();
        await users.AddAsync(name, role, Password, "test", Ct);
        var user = (await users.ListAsync(Ct)).Single(u => u.Name == name);
        var token = await users.CreateTokenAsync(user.Id, name, "test", Ct);
        var client = new HttpClient { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    private static async Task<Advisor> AddAdvisorAsync(HubixTestHost host, string phone, bool handoff = false, bool wrote = true)
    {
        await using var ctx = host.Db.CreateDbContext();
        var a = new Advisor { Phone = phone, Name = "Asha", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, HandoffOpen = handoff, LastInboundAt = wrote ? DateTime.UtcNow : null };
        ctx.Add(a);
        await ctx.SaveChangesAsync(Ct);
        return a;
    }

    private static async Task<List<AuditEntry>> AuditAsync(HubixTestHost host)
    {
        await using var ctx = host.Db.CreateDbContext();
        return await ctx.Set<AuditEntry>().AsNoTracking().OrderBy(e => e.Id).ToListAsync(Ct);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Roles_a_viewer_reads_and_gets_403_on_every_write_an_operator_works_conversations_only(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        using var viewer = await TokenClientAsync(host, "vera", Roles.Viewer);
        using var op = await TokenClientAsync(host, "omar", Roles.Operator);
        await AddAdvisorAsync(host, "919800000001", handoff: true);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/advisors", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/webhook/conversations", Ct)).StatusCode);

        // Every write under /api but the caller's own session, tokens and live-feed ticket: 403 for a viewer, before the body is read.
        var own = new[] { "/api/session", "/api/tokens", "/api/ws-ticket" };
        var writes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api", StringComparison.Ordinal) && !own.Any(o => e.RoutePattern.RawText.StartsWith(o, StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Where(m => m != "GET").Select(m => (Method: m, Path: e.RoutePattern.RawText!
                .Replace("{phone}", "919800000001", StringComparison.Ordinal).Replace("{id:long}", "1", StringComparison.Ordinal).Replace("{name}", "omar", StringComparison.Ordinal))))
            .ToList();
        Assert.True(writes.Count >= 12, "found " + writes.Count);
        foreach (var (method, path) in writes)
        {
            var response = await viewer.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { text = "x" }) }, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)response.StatusCode} to a viewer");
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/conversations/919800000001/reply", new { text = "hello" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/api/advisors", new { phone = "919800000002", name = "B" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/audit", Ct)).StatusCode);
        // A refused change leaves no entry: the reply outside the window is not queued and not audited.
        await AddAdvisorAsync(host, "919800000003", wrote: false);
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsJsonAsync("/api/conversations/919800000003/reply", new { text = "too early" }, Ct)).StatusCode);
        Assert.DoesNotContain(await AuditAsync(host), e => e.Target == "919800000003");
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsync("/api/conversations/919800000001/handoff/close", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await op.PostAsJsonAsync("/api/conversations/919800000001/reply", new { text = "Calling you now" }, Ct)).StatusCode);

        // Both changes are in the audit trail under the operator's name, the reply with the message it queued.
        var audit = await AuditAsync(host);
        Assert.Contains(audit, e => e is { Actor: "omar", Action: AuditActions.HandBack, Target: "919800000001" });
        var reply = Assert.Single(audit, e => e.Action == AuditActions.Reply);
        Assert.Equal("omar", reply.Actor);
        await using var ctx = host.Db.CreateDbContext();
        var row = await ctx.Set<OutboxMessage>().SingleAsync(o => o.Purpose == "operator", Ct);
        Assert.Equal($"outbox {row.Id}: Calling you now", reply.Detail);
    }

    [Fact]
    public async Task Sign_in_sets_a_strict_httponly_cookie_and_sign_out_ends_the_session()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        await host.Services.GetRequiredService<UserService>().AddAsync("Anita", Roles.Admin, Password, "test", Ct);
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = host.BaseAddress };

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/session", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/session", new { name = "anita", password = "wrong-password-here" }, Ct)).StatusCode);
        var signIn = await browser.PostAsJsonAsync("/api/session", new { name = "anita", password = Password }, Ct);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith(OperatorsFeature.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase); // plain HTTP here

        var me = await browser.GetFromJsonAsync<JsonElement>("/api/session", Ct);
        Assert.Equal("Anita", me.GetProperty("name").GetString());
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/audit", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/session/signout", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/session", Ct)).StatusCode);
    }

    [Fact]
    public async Task Tokens_are_shown_once_stored_hashed_and_stop_working_when_revoked_or_the_user_is_disabled()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        using var script = await TokenClientAsync(host, "sam", Roles.Operator);
        var made = await script.PostAsJsonAsync("/api/tokens", new { label = "nightly" }, Ct);
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var second = await made.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var token = second.GetProperty("token").GetString()!;
        Assert.StartsWith(UserService.TokenPrefix, token, StringComparison.Ordinal);

        var list = await script.GetStringAsync("/api/tokens", Ct);
        Assert.Contains("nightly", list, StringComparison.Ordinal);
        Assert.DoesNotContain(token, list, StringComparison.Ordinal);
        await using (var ctx = host.Db.CreateDbContext())
        {
            Assert.DoesNotContain(await ctx.Set<ApiToken>().Select(t => t.TokenHash).ToListAsync(Ct), h => h.Contains(token[4..], StringComparison.Ordinal));
        }

        using var other = new HttpClient { BaseAddress = host.BaseAddress };
        other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/advisors", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await script.DeleteAsync("/api/tokens/" + second.GetProperty("id").GetInt64(), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/advisors", Ct)).StatusCode);

        // The machine key disables the user: their remaining token stops at once.
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.PostAsync("/api/users/sam/disable", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/advisors", Ct)).StatusCode);
        var audit = await AuditAsync(host);
        Assert.Contains(audit, e => e is { Actor: "sam", Action: AuditActions.TokenCreate });
        Assert.Contains(audit, e => e is { Actor: "sam", Action: AuditActions.TokenRevoke });
        Assert.Contains(audit, e => e is { Actor: ActorClaims.MachineKeyActor, Action: AuditActions.UserDisable, Target: "user:sam" });
    }

    [Fact]
    public async Task Wrong_keys_and_wrong_passwords_from_one_address_get_429_after_the_limit()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Auth:MaxFailures=3"]);
        using var guesser = new HttpClient { BaseAddress = host.BaseAddress };
        for (var i = 0; i < 3; i++)
        {
            guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/api/advisors", Ct)).StatusCode);
        }

        var blocked = await guesser.GetAsync("/api/advisors", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.True(blocked.Headers.RetryAfter is not null);
        // A password guess from the same address is refused too, before it is checked.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await guesser.PostAsJsonAsync("/api/session", new { name = "x", password = "y" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Live_feed_ticket_works_once_and_the_key_is_never_taken_from_the_url()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        var ticket = (await (await host.Admin.PostAsync("/api/ws-ticket", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ticket").GetString();
        var url = new Uri(host.BaseAddress.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "ws?ticket=" + ticket);

        using (var first = new System.Net.WebSockets.ClientWebSocket())
        {
            await first.ConnectAsync(url, Ct);
            Assert.Equal(System.Net.WebSockets.WebSocketState.Open, first.State);
        }

        using var again = new System.Net.WebSockets.ClientWebSocket();
        var ex = await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => again.ConnectAsync(url, Ct));
        Assert.Contains("401", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_need_credentials_in_any_letter_case()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        foreach (var path in new[] { "/metrics", "/METRICS", "/Metrics", "/mEtRiCs" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.GetAsync(path, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync("/METRICS", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_bad_key_with_a_malformed_or_huge_body_gets_401_not_400()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        using var wrong = new HttpClient { BaseAddress = host.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        var huge = new string('[', 4 * 1024 * 1024);
        foreach (var path in new[] { "/api/advisors", "/api/conversations/919800000001/reply", "/api/tokens" })
        {
            foreach (var body in new[] { "{not json", huge })
            {
                var response = await wrong.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"POST {path} with a {body.Length}-character bad body answered {(int)response.StatusCode}");
            }
        }

        // With the key, the same malformed body is read, and refused as a bad request.
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.PostAsync("/api/advisors", new StringContent("{not json", Encoding.UTF8, "application/json"), Ct)).StatusCode);
    }

    [Fact]
    public async Task Dashboard_csp_allows_websockets_to_its_own_origin_only()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        await using var host = await HubixTestHost.StartAsync(database);
        var page = await host.Client.GetAsync("/", Ct);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("ws:", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("wss:", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_machine_key_shorter_than_32_characters_stops_the_start_naming_the_setting()
    {
        await using var database = await TestDatabase.CreateAsync("Sqlite");
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            HubixTestHost.StartAsync(database, ["--Hubix:AdminApiKey=short-key-of-31-characters-xxxx"]));
        Assert.Contains("Hubix:AdminApiKey must be at least 32 characters", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Audit_is_admin_only_keyset_paged_filtered_and_has_no_route_that_changes_it(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await host.Admin.PostAsJsonAsync("/api/advisors", new { phone = "91980000010" + i, name = "A" + i }, Ct)).StatusCode);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await host.Admin.GetFromJsonAsync<JsonElement>("/api/audit?action=advisor.create&limit=2" + (cursor is null ? "" : "&cursor=" + cursor), Ct);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("target").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(Enumerable.Range(0, 5).Reverse().Select(i => "91980000010" + i), seen);
        var byActor = await host.Admin.GetFromJsonAsync<JsonElement>("/api/audit?actor=nobody", Ct);
        Assert.Equal(0, byActor.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Admin.GetAsync("/api/audit?cursor=forged", Ct)).StatusCode);

        var auditRoutes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/audit", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods).ToList();
        Assert.Equal(["GET"], auditRoutes);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Required_approval_drafts_are_not_sent_four_eyes_approve_and_outbox_rows_record_the_version(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var host = await HubixTestHost.StartAsync(database, ["--Hubix:Content:RequireApproval=true"]);
        using var alice = await TokenClientAsync(host, "alice", Roles.Admin);
        var advisor = await AddAdvisorAsync(host, "919800000009");
        var date = DateOnly.FromDateTime(DateTime.UtcNow);
        object Pack(string text) => new { date = date.ToString("yyyy-MM-dd"), description = "Markets", items = new[] { new { kind = "post", text } } };

        var imported = await (await host.Admin.PostAsJsonAsync("/api/packs", Pack("Version one"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = imported.GetProperty("id").GetInt64();
        Assert.Equal("draft", imported.GetProperty("state").GetString());

        // A draft is never sent: the unlock is recorded as failed with the reason.
        var first = await UnlockAsync(host, advisor, "wamid.approval.1", id);
        Assert.Equal(UnlockOutcome.NotApproved, first.Outcome);
        Assert.Equal(PackStates.NotApprovedReason, first.Unlock!.FailureReason);

        // Four eyes: the importer (the machine key) cannot approve its own import; another admin can, once.
        Assert.Equal(HttpStatusCode.Conflict, (await host.Admin.PostAsync($"/api/packs/{id}/approve", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/packs/{id}/approve", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsync($"/api/packs/{id}/approve", null, Ct)).StatusCode);

        var sent = await UnlockAsync(host, advisor, "wamid.approval.2", id);
        Assert.Equal(UnlockOutcome.Queued, sent.Outcome);

        // A re-import of an approved pack is a new draft version: version 1's items stay and are still what is sent.
        var again = await (await host.Admin.PostAsJsonAsync("/api/packs", Pack("Version two"), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, again.GetProperty("version").GetInt32());
        Assert.Equal("draft", again.GetProperty("state").GetString());
        await using (var ctx = host.Db.CreateDbContext())
        {
            var items = await ctx.Set<ContentItem>().Where(i => i.PackId == id).OrderBy(i => i.Version).Select(i => new { i.Version, i.Text }).ToListAsync(Ct);
            Assert.Equal([(1, "Version one"), (2, "Version two")], items.Select(i => (i.Version, i.Text)));
            var row = await ctx.Set<OutboxMessage>().SingleAsync(o => o.Purpose == "unlock", Ct);
            Assert.Equal((id, 1), (row.PackId!.Value, row.PackVersion!.Value));
            Assert.Contains("Version one", row.Payload, StringComparison.Ordinal);
            var packs = await PackResolver.LoadAsync(ctx, [date], Ct);
            Assert.Equal(1, packs[date].Single().Version);
        }

        var audit = await AuditAsync(host);
        Assert.Equal(2, audit.Count(e => e is { Action: AuditActions.PackImport, Actor: ActorClaims.MachineKeyActor }));
        Assert.Contains(audit, e => e is { Action: AuditActions.PackApprove, Actor: "alice" } && e.Target == PackImport.PackTarget(id));
    }

    private static async Task<UnlockResult> UnlockAsync(HubixTestHost host, Advisor advisor, string wamid, long packId)
    {
        var time = host.Services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow().UtcDateTime;
        await using var work = await UnitOfWork.BeginAsync(host.Db, now, Ct);
        var result = await host.Services.GetRequiredService<UnlockService>()
            .UnlockAsync(work, advisor, new UnlockRequest(UnlockScopes.All, wamid, "button_reply", now, PackId: packId), Ct);
        await work.CommitAsync(Ct);
        return result;
    }
}
