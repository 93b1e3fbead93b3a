using System.Data.Common;
using Hubix.Advisors;
using Hubix.Data;
using Hubix.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hubix.Tests.Data;

/// <summary>
/// The migration <c>ConversationReplyState</c> backfills "needs a reply" from the history already stored: a database at the
/// migration before it, with advisors and outbox rows written as that schema had them, is migrated, and each advisor's
/// <see cref="Advisor.NeedsReplyAt"/> is what the rule in ADR-012 says.
/// </summary>
public class ConversationReplyStateMigrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTime T = new(2026, 3, 10, 9, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task The_backfill_marks_the_chats_nobody_answered_and_only_a_person_answers_a_handed_off_one(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var db = database.Open();
        await using (var ctx = db.CreateDbContext())
        {
            await ctx.GetService<IMigrator>().MigrateAsync("ReplicaSharedState", Ct);
            var applied = (await ctx.Database.GetAppliedMigrationsAsync(Ct)).ToList();
            Assert.True(applied[^1].EndsWith("_ReplicaSharedState", StringComparison.Ordinal), string.Join(", ", applied));
        }

        // phone, handoff open, last chat, answers (purpose, at)
        (string Phone, bool Handoff, DateTime? Chat, (string Purpose, DateTime At)[] Answers)[] advisors =
        [
            ("919700000001", false, T, [("agent", T.AddSeconds(5))]),       // answered by the assistant
            ("919700000002", false, T, []),                                 // nobody answered
            ("919700000003", false, T, [("daily", T.AddHours(1))]),         // the daily template answers nothing
            ("919700000004", true, T, [("agent", T.AddSeconds(5))]),        // handed off: the assistant's note is no answer
            ("919700000005", true, T, [("operator", T.AddMinutes(3))]),     // handed off, a person answered
            ("919700000006", false, null, []),                              // never wrote
            ("919700000007", false, T, [("unlock", T.AddHours(-1))]),       // answered before, not since
        ];
        await using (var conn = await OpenAsync(db))
        {
            var n = 0;
            foreach (var (phone, handoff, chat, answers) in advisors)
            {
                await ExecAsync(conn, """
                    INSERT INTO "Advisors" ("Phone", "Name", "TimeZone", "Language", "Categories", "Status", "CreatedAt", "UpdatedAt", "HandoffOpen", "LastInboundAt", "LastChatAt")
                    VALUES (@phone, 'A', 'Asia/Kolkata', 'en', '', 0, @t, @t, @handoff, @chat, @chat)
                    """, ("@phone", phone), ("@t", T.AddDays(-1)), ("@handoff", handoff), ("@chat", chat));
                foreach (var (purpose, at) in answers)
                {
                    await ExecAsync(conn, """
                        INSERT INTO "OutboxMessages" ("Recipient", "Kind", "Payload", "IdempotencyKey", "Position", "Purpose", "Priority", "State", "Attempts", "CreatedAt", "NextAttemptAt")
                        VALUES (@phone, 'text', '{}', @key, 0, @purpose, 0, 4, 1, @at, @at)
                        """, ("@phone", phone), ("@key", "k" + ++n), ("@purpose", purpose), ("@at", at));
                }
            }
        }

        await using (var ctx = db.CreateDbContext())
        {
            await ctx.Database.MigrateAsync(Ct);
            var needs = await ctx.Set<Advisor>().AsNoTracking().OrderBy(a => a.Phone).Select(a => new { a.Phone, a.NeedsReplyAt }).ToListAsync(Ct);
            Assert.Equal(
                ["919700000002", "919700000003", "919700000004", "919700000007"],
                needs.Where(a => a.NeedsReplyAt is not null).Select(a => a.Phone));
            Assert.All(needs.Where(a => a.NeedsReplyAt is not null), a => Assert.Equal(T, a.NeedsReplyAt));
        }
    }

    private static async Task<DbConnection> OpenAsync(HubixDb db)
    {
        DbConnection conn = db.Provider == DatabaseProvider.Sqlite ? new SqliteConnection(db.ConnectionString) : new NpgsqlConnection(db.ConnectionString);
        await conn.OpenAsync(Ct);
        return conn;
    }

    private static async Task ExecAsync(DbConnection conn, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }

        await cmd.ExecuteNonQueryAsync(Ct);
    }
}
