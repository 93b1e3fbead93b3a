using System.Globalization;
using System.Text;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Hubix.Dashboard;

/// <summary>
/// One counter of one local day (in <see cref="DashboardOptions.TimeZone"/>): for example <c>(2026-11-27,
/// template:daily_content_ready_v1, delivered)</c>. Database triggers note every row change that moves one in the
/// writer's transaction, and <see cref="MetricFolder"/> counts the notes (<see cref="RollupSql"/>), so the dashboard
/// reads a few hundred of these instead of the day's rows.
/// </summary>
public sealed class MetricRollup
{
    public DateOnly Day { get; set; }
    public required string Scope { get; set; }
    public required string Name { get; set; }
    public long Value { get; set; }

    /// <summary>For failure counters: the latest failure's time.</summary>
    public DateTime? LastAt { get; set; }
}

/// <summary>
/// A row change the rollups have not counted yet, noted by a trigger in the writer's transaction: which source table and
/// row, whether it was the insert, and for an update the watched columns' values before it (as text).
/// </summary>
public sealed class MetricEvent
{
    public long Id { get; set; }
    public int Source { get; set; }
    public long RowId { get; set; }
    public int IsInsert { get; set; }
    public string? Old1 { get; set; }
    public string? Old2 { get; set; }
    public string? Old3 { get; set; }
}

/// <summary>Who was already counted by a distinct counter (unique tappers, chatters) on a day.</summary>
public sealed class MetricMember
{
    public DateOnly Day { get; set; }
    public required string Scope { get; set; }
    public required string Name { get; set; }
    public required string Member { get; set; }
}

/// <summary>
/// The dashboard zone's UTC offsets, from each instant on: the triggers find a row's local day with it, since SQLite
/// has no time-zone database. Written at start by <see cref="MetricZone.SyncAsync"/>.
/// </summary>
public sealed class MetricZoneOffset
{
    public DateTime FromUtc { get; set; }
    public int OffsetMinutes { get; set; }
    public required string ZoneId { get; set; }
}

internal sealed class MetricRollupConfiguration :
    IEntityTypeConfiguration<MetricRollup>, IEntityTypeConfiguration<MetricEvent>, IEntityTypeConfiguration<MetricMember>, IEntityTypeConfiguration<MetricZoneOffset>
{
    public void Configure(EntityTypeBuilder<MetricEvent> b)
    {
        b.ToTable("MetricEvents");
        // The folder takes a batch of rows (all the notes of each) per source.
        b.HasIndex(x => new { x.Source, x.RowId });
    }

    public void Configure(EntityTypeBuilder<MetricRollup> b)
    {
        b.ToTable("MetricRollups");
        b.HasKey(x => new { x.Day, x.Scope, x.Name });
        b.Property(x => x.Scope).HasMaxLength(200);
        b.Property(x => x.Name).HasMaxLength(100);
    }

    public void Configure(EntityTypeBuilder<MetricMember> b)
    {
        b.ToTable("MetricMembers");
        b.HasKey(x => new { x.Day, x.Scope, x.Name, x.Member });
        b.Property(x => x.Scope).HasMaxLength(200);
        b.Property(x => x.Name).HasMaxLength(100);
        b.Property(x => x.Member).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<MetricZoneOffset> b)
    {
        b.ToTable("MetricZone");
        b.HasKey(x => x.FromUtc);
        b.Property(x => x.ZoneId).HasMaxLength(64);
    }
}

/// <summary>
/// What the rollups count, as SQL over one row of a source table, and the triggers, the fold and the rebuild made from
/// it. One list drives them all, so a counter cannot be kept one way and rebuilt another.
/// </summary>
/// <remarks>
/// Why triggers: the rows these counters follow are written by a dozen paths, several in raw SQL (the outbox's status
/// and send results), and a status only knows the row's new state. A trigger sees the old and the new row, runs in the
/// writer's transaction (a rolled-back batch notes nothing; a redelivered webhook that changes nothing notes nothing),
/// and no future code path can forget it. Rows are never counted down when they are deleted: retention prunes raw rows,
/// the history stays in the rollups. ADR-005 has the reasons and the measurements.
/// </remarks>
public static class RollupSql
{
    /// <summary>Tap → pack latency histogram bounds, in milliseconds (a sample counts in the first bucket it is under).</summary>
    public static readonly int[] LatencyBoundsMs =
        [100, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 120_000, 300_000, 600_000, 1_800_000];

    public const string Overflow = "lt:inf";

    /// <summary>One counter: a row that meets <see cref="Condition"/> adds 1 to (day of <see cref="Time"/>, scope, name).</summary>
    /// <param name="Member">For a distinct counter: what makes a row distinct (counted once per day, scope and name).</param>
    internal sealed record Counter(
        Func<Dialect, string, string> Condition, Func<Dialect, string, string> Scope, Func<Dialect, string, string> Name,
        Func<Dialect, string, string>? LastAt = null, Func<Dialect, string, string>? Member = null, bool InsertOnly = false);

    /// <summary>A column an update can change, with its type for reading it back from the event's text.</summary>
    internal sealed record Watch(string Column, string PgType, string SqliteType);

    /// <summary>A table whose rows are counted.</summary>
    /// <param name="Time">The column whose local day is the row's day.</param>
    /// <param name="Columns">Every column the counters read (the old row is rebuilt from these).</param>
    /// <param name="Watched">Columns whose update can move a counter (at most three; empty: insert-only table).</param>
    /// <param name="Filter">Rows of interest at all (a trigger WHEN, so the rest cost nothing).</param>
    internal sealed record Source(string Table, string Time, string[] Columns, Watch[] Watched, string? Filter, Counter[] Counters);

    private static readonly Watch IntState = new("State", "integer", "INTEGER");

    internal sealed class Dialect(bool postgres)
    {
        public bool Postgres { get; } = postgres;
        public string False => Postgres ? "FALSE" : "0";

        /// <summary>A NULL timestamp: in a subquery PostgreSQL would otherwise type it text.</summary>
        public string NoTime => Postgres ? "CAST(NULL AS timestamp with time zone)" : "NULL";
        public string IsNot => Postgres ? "IS DISTINCT FROM" : "IS NOT";

        /// <summary>A boolean column (SQLite keeps 0/1).</summary>
        public string IsTrue(string column) => Postgres ? column : column + " = 1";

        public string TemplateName(string r) => Postgres ? $"({r}.\"Payload\"::json #>> '{{template,name}}')" : $"json_extract({r}.\"Payload\", '$.template.name')";

        public string Millis(string to, string from) => Postgres
            ? $"ROUND(EXTRACT(EPOCH FROM ({to} - {from})) * 1000)"
            // julianday's floating point puts 3 s at 2999.99… ms: round to the millisecond.
            : $"ROUND((julianday({to}) - julianday({from})) * 86400000.0)";

        /// <summary>The local day of a UTC timestamp, by the offset in force then.</summary>
        public string Day(string utc)
        {
            var offset = $"COALESCE((SELECT z.\"OffsetMinutes\" FROM \"MetricZone\" z WHERE z.\"FromUtc\" <= {utc} ORDER BY z.\"FromUtc\" DESC LIMIT 1), 0)";
            return Postgres
                ? $"CAST(({utc} AT TIME ZONE 'UTC') + make_interval(mins => {offset}) AS date)"
                : $"date({utc}, {offset} || ' minutes')";
        }
    }

    private static string Col(string r, string column) => r + ".\"" + column + "\"";

    private static string Q(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string Latency(Dialect d, string to, string from)
    {
        var ms = d.Millis(to, from);
        var sb = new StringBuilder("CASE");
        foreach (var bound in LatencyBoundsMs)
        {
            sb.Append(CultureInfo.InvariantCulture, $" WHEN {ms} < {bound} THEN 'lt:{bound}'");
        }

        return sb.Append(" ELSE '").Append(Overflow).Append("' END").ToString();
    }

    /// <summary>Outbox rows by purpose, daily templates by template name.</summary>
    internal static string OutboxScope(Dialect d, string r) =>
        $"CASE {Col(r, "Purpose")} WHEN 'daily' THEN 'template:' || COALESCE({d.TemplateName(r)}, '(unnamed)') WHEN 'unlock' THEN 'content' ELSE {Col(r, "Purpose")} END";

    private static readonly string[] TapTypes = Webhooks.Interaction.TapTypes;

    private static string IsTap(string r) => $"{Col(r, "Type")} IN ({string.Join(", ", TapTypes.Select(Q))})";

    /// <summary>The template a tap answers: the daily message whose wamid is the tap's context.</summary>
    private static string TappedTemplate(Dialect d, string r) =>
        $"(SELECT {OutboxScope(d, "o")} FROM \"OutboxMessages\" o WHERE o.\"WaMessageId\" = {Col(r, "Context")} AND o.\"Purpose\" = 'daily' LIMIT 1)";

    private static readonly string Resend = Q(DailyPack.UnlockService.ResendKind);

    /// <summary>The per-language scope of a row that records the advisor's language: <c>lang:hi</c> (<c>lang:unknown</c> for rows from before it was recorded).</summary>
    public const string LanguagePrefix = "lang:";

    private static string LanguageScope(string r) => $"'{LanguagePrefix}' || COALESCE({Col(r, "AdvisorLanguage")}, 'unknown')";

    /// <summary>A daily template's advisor language, from its <c>DailySends</c> row (the same idempotency key).</summary>
    private static string TemplateLanguageScope(string r) =>
        $"COALESCE((SELECT {LanguageScope("ds")} FROM \"DailySends\" ds WHERE ds.\"OutboxKey\" = {Col(r, "IdempotencyKey")} LIMIT 1), '{LanguagePrefix}unknown')";

    /// <summary>The advisor language of the daily template a tap answers (its context is the template's wamid).</summary>
    private static string TappedLanguage(string r) =>
        $"(SELECT {LanguageScope("ds")} FROM \"OutboxMessages\" o JOIN \"DailySends\" ds ON ds.\"OutboxKey\" = o.\"IdempotencyKey\" " +
        $"WHERE o.\"WaMessageId\" = {Col(r, "Context")} AND o.\"Purpose\" = 'daily' LIMIT 1)";

    internal static readonly Source[] Sources =
    [
        new("OutboxMessages", "CreatedAt", ["Id", "CreatedAt", "Purpose", "Payload", "State", "ErrorCode", "FailedAt", "IdempotencyKey"],
            [IntState, new("ErrorCode", "integer", "INTEGER")], null,
        [
            new((_, _) => "1 = 1", OutboxScope, (_, _) => "'queued'", InsertOnly: true),
            // 8: cancelled (the advisor opted out while it was queued); the State trigger already notes that change.
            new((_, r) => $"{Col(r, "State")} IN (2, 3, 4, 5, 8, 9)", OutboxScope,
                (_, r) => $"CASE {Col(r, "State")} WHEN 2 THEN 'accepted' WHEN 3 THEN 'sent' WHEN 4 THEN 'delivered' WHEN 5 THEN 'read' WHEN 8 THEN 'cancelled' " +
                          $"ELSE 'failed:' || COALESCE(CAST({Col(r, "ErrorCode")} AS TEXT), 'none') END",
                LastAt: (_, r) => $"CASE WHEN {Col(r, "State")} = 9 THEN COALESCE({Col(r, "FailedAt")}, {Col(r, "CreatedAt")}) END"),
            // Daily templates by the advisor's language: reached sent (or beyond, not failed), and delivered (or read).
            new((_, r) => $"{Col(r, "Purpose")} = 'daily' AND {Col(r, "State")} IN (3, 4, 5)", (_, r) => TemplateLanguageScope(r), (_, _) => "'templates_sent'"),
            new((_, r) => $"{Col(r, "Purpose")} = 'daily' AND {Col(r, "State")} IN (4, 5)", (_, r) => TemplateLanguageScope(r), (_, _) => "'templates_delivered'"),
        ]),
        new("Interactions", "At", ["Id", "At", "Type", "Phone", "Context"], [], "\"Direction\" = 'in'",
        [
            new((_, r) => IsTap(r), (_, _) => "'inbound'", (_, _) => "'taps'"),
            new((_, r) => $"{IsTap(r)} AND {Col(r, "Phone")} IS NOT NULL", (_, _) => "'inbound'", (_, _) => "'unique_tappers'", Member: (_, r) => Col(r, "Phone")),
            new((d, r) => $"{IsTap(r)} AND {TappedTemplate(d, r)} IS NOT NULL", TappedTemplate, (_, _) => "'taps'"),
            new((d, r) => $"{IsTap(r)} AND {Col(r, "Phone")} IS NOT NULL AND {TappedTemplate(d, r)} IS NOT NULL", TappedTemplate, (_, _) => "'unique_tappers'",
                Member: (_, r) => Col(r, "Phone")),
            new((_, r) => $"{IsTap(r)} AND {Col(r, "Context")} IS NOT NULL AND {TappedLanguage(r)} IS NOT NULL", (_, r) => TappedLanguage(r), (_, _) => "'taps'"),
            new((_, r) => $"NOT {IsTap(r)}", (_, _) => "'inbound'", (_, _) => "'messages'"),
            new((_, r) => $"NOT {IsTap(r)} AND {Col(r, "Phone")} IS NOT NULL", (_, _) => "'inbound'", (_, _) => "'chatters'", Member: (_, r) => Col(r, "Phone")),
        ]),
        new("Unlocks", "TappedAt", ["Id", "TappedAt", "TapKind", "State", "FirstAcceptedAt", "DeliveredAt", "AdvisorLanguage", "LanguageFallback"],
            [IntState, new("FirstAcceptedAt", "timestamp with time zone", "TEXT"), new("DeliveredAt", "timestamp with time zone", "TEXT")], null,
        [
            new((_, _) => "1 = 1", (_, _) => "'packs'",
                (_, r) => $"CASE {Col(r, "State")} WHEN 1 THEN 'delivered' WHEN 2 THEN 'partial' WHEN 3 THEN 'failed' ELSE 'delivering' END"),
            new((_, r) => $"{Col(r, "TapKind")} <> {Resend} AND {Col(r, "FirstAcceptedAt")} IS NOT NULL", (_, _) => "'tap_to_first'",
                (d, r) => Latency(d, Col(r, "FirstAcceptedAt"), Col(r, "TappedAt"))),
            new((_, r) => $"{Col(r, "TapKind")} <> {Resend} AND {Col(r, "State")} = 1 AND {Col(r, "DeliveredAt")} IS NOT NULL", (_, _) => "'tap_to_pack'",
                (d, r) => Latency(d, Col(r, "DeliveredAt"), Col(r, "TappedAt"))),
            new((_, r) => $"{Col(r, "State")} = 1", (_, r) => LanguageScope(r), (_, _) => "'packs_delivered'"),
            new((d, r) => d.IsTrue(Col(r, "LanguageFallback")), (_, r) => LanguageScope(r), (_, _) => "'pack_fallbacks'", InsertOnly: true),
        ]),
        new("ConversationTurns", "At", ["Id", "At", "Role", "Intent", "Note"],
            [new("Role", "text", "TEXT"), new("Intent", "text", "TEXT"), new("Note", "text", "TEXT")], null,
        [
            new((_, r) => $"{Col(r, "Role")} = 'agent'", (_, _) => "'agent_intents'", (_, r) => $"COALESCE({Col(r, "Intent")}, 'unknown')"),
            new((_, r) => $"{Col(r, "Role")} = 'agent' AND {Col(r, "Note")} = 'handoff_opened'", (_, _) => "'handoffs'", (_, _) => "'opened'"),
        ]),
        new("ConsentEvents", "At", ["Id", "At", "Status"], [], null,
        [
            new((_, _) => "1 = 1", (_, _) => "'consent'",
                (_, r) => $"CASE WHEN {Col(r, "Status")} = {(int)Advisors.AdvisorStatus.OptedOut} THEN 'opt_outs' ELSE 'opt_ins' END"),
        ]),
        // Appended, never inserted: a source's number is in the notes (MetricEvents.Source) and its trigger.
        new("DailySends", "CreatedAt", ["Id", "CreatedAt", "State", "AdvisorLanguage", "LanguageFallback"], [], $"\"State\" = {(int)DailyPack.DailySendState.Queued}",
        [
            new((_, _) => "1 = 1", (_, r) => LanguageScope(r), (_, _) => "'templates_queued'"),
            new((d, r) => d.IsTrue(Col(r, "LanguageFallback")), (_, r) => LanguageScope(r), (_, _) => "'template_fallbacks'"),
        ]),
    ];

    /// <summary>Adds the summed deltas to the rollups; <c>source</c> has columns Day, Scope, Name, Delta, LastAt.</summary>
    internal static string FoldInto(bool postgres, string source) =>
        "INSERT INTO \"MetricRollups\" (\"Day\", \"Scope\", \"Name\", \"Value\", \"LastAt\") " +
        $"SELECT f.\"Day\", f.\"Scope\", f.\"Name\", SUM(f.\"Delta\"), MAX(f.\"LastAt\") FROM {source} f WHERE 1 = 1 " +
        // Keys in one order: a fold and a rebuild lock counter rows in the same order, never in a cycle.
        "GROUP BY f.\"Day\", f.\"Scope\", f.\"Name\" ORDER BY f.\"Day\", f.\"Scope\", f.\"Name\" " +
        "ON CONFLICT (\"Day\", \"Scope\", \"Name\") DO UPDATE SET \"Value\" = \"MetricRollups\".\"Value\" + excluded.\"Value\", " +
        $"\"LastAt\" = {(postgres ? "GREATEST" : "MAX")}(COALESCE(\"MetricRollups\".\"LastAt\", excluded.\"LastAt\"), COALESCE(excluded.\"LastAt\", \"MetricRollups\".\"LastAt\"))";

    private static string Cond(Dialect d, Counter c, string r) => $"COALESCE(({c.Condition(d, r)}), {d.False})";

    private static string TriggerName(Source s, bool update) => "Rollup_" + s.Table + (update ? "_Update" : "_Insert");

    /// <summary>Creates (or replaces) every rollup trigger. A migration calls it; a later change of the sources calls it again from a new migration.</summary>
    public static void InstallTriggers(MigrationBuilder migration, bool postgres)
    {
        foreach (var sql in TriggerSql(postgres))
        {
            migration.Sql(sql);
        }
    }

    public static void DropTriggers(MigrationBuilder migration, bool postgres)
    {
        foreach (var s in Sources)
        {
            foreach (var update in new[] { false, true })
            {
                var name = TriggerName(s, update);
                migration.Sql(postgres ? $"DROP TRIGGER IF EXISTS \"{name}\" ON \"{s.Table}\"; DROP FUNCTION IF EXISTS \"{name}\"();" : $"DROP TRIGGER IF EXISTS \"{name}\";");
            }
        }
    }

    /// <summary>
    /// Each trigger only notes the row (and, for an update, the watched columns' old values) in <c>MetricEvents</c>. It is
    /// kept that small on purpose: SQLite compiles a table's triggers into every statement that writes the table, each time
    /// the statement is prepared, and the hot paths prepare theirs per batch. With the counters themselves in the triggers,
    /// an insert into the CRM log cost 224 µs instead of 12, and an outbox status update 64 µs instead of 5 (measured,
    /// ADR-005); the fan-out halved. <see cref="MetricFolder"/> turns the notes into counts, set-based.
    /// </summary>
    internal static IEnumerable<string> TriggerSql(bool postgres)
    {
        var d = new Dialect(postgres);
        for (var k = 0; k < Sources.Length; k++)
        {
            var s = Sources[k];
            foreach (var update in s.Watched.Length == 0 ? new[] { false } : new[] { false, true })
            {
                var name = TriggerName(s, update);
                var olds = string.Concat(Enumerable.Range(0, 3).Select(i => ", " + (update && i < s.Watched.Length ? $"CAST(OLD.\"{s.Watched[i].Column}\" AS TEXT)" : "NULL")));
                var insert = $"INSERT INTO \"MetricEvents\" (\"Source\", \"RowId\", \"IsInsert\", \"Old1\", \"Old2\", \"Old3\") VALUES ({k}, NEW.\"Id\", {(update ? 0 : 1)}{olds})";
                var changed = string.Join(" OR ", s.Watched.Select(c => $"OLD.\"{c.Column}\" {d.IsNot} NEW.\"{c.Column}\""));
                var when = update ? changed : s.Filter is { } f ? "NEW." + f : null;
                var on = $"AFTER {(update ? "UPDATE OF " + string.Join(", ", s.Watched.Select(c => "\"" + c.Column + "\"")) : "INSERT")} ON \"{s.Table}\" FOR EACH ROW";
                if (postgres)
                {
                    yield return $"DROP TRIGGER IF EXISTS \"{name}\" ON \"{s.Table}\"";
                    yield return $"CREATE OR REPLACE FUNCTION \"{name}\"() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n    {insert};\n    RETURN NULL;\nEND\n$fn$";
                    yield return $"CREATE TRIGGER \"{name}\" {on} {(when is null ? "" : "WHEN (" + when + ") ")}EXECUTE FUNCTION \"{name}\"()";
                }
                else
                {
                    yield return $"DROP TRIGGER IF EXISTS \"{name}\"";
                    yield return $"CREATE TRIGGER \"{name}\" {on} {(when is null ? "" : "WHEN " + when + " ")}BEGIN\n    {insert};\nEND";
                }
            }
        }
    }

    /// <summary>
    /// Counts a batch of noted rows: for each row, the counters of its current state, minus those of its state before the
    /// first pending note (unless that note is its insert). However many updates a row had since the last fold, the net is
    /// right. <paramref name="firsts"/> is a table of each batch row's first note (RowId, IsInsert, Old1..3); the result is
    /// a query of deltas (Day, Scope, Name, Delta, LastAt) and, for distinct counters, of the members to remember.
    /// </summary>
    internal static (string Deltas, string? Members) FoldSql(bool postgres, int source, string firsts)
    {
        var d = new Dialect(postgres);
        var s = Sources[source];
        var columns = string.Join(", ", s.Columns.Select(c => "t.\"" + c + "\""));
        var cur = $"(SELECT {columns} FROM \"{s.Table}\" t JOIN {firsts} e ON e.\"RowId\" = t.\"Id\")";
        var inserted = $"(SELECT {columns} FROM \"{s.Table}\" t JOIN {firsts} e ON e.\"RowId\" = t.\"Id\" WHERE e.\"IsInsert\" = 1)";
        var oldColumns = s.Columns.Select(c =>
        {
            var w = Array.FindIndex(s.Watched, x => x.Column == c);
            return w < 0 ? $"t.\"{c}\"" : $"CAST(e.\"Old{w + 1}\" AS {(postgres ? s.Watched[w].PgType : s.Watched[w].SqliteType)}) AS \"{c}\"";
        });
        var old = $"(SELECT {string.Join(", ", oldColumns)} FROM \"{s.Table}\" t JOIN {firsts} e ON e.\"RowId\" = t.\"Id\" WHERE e.\"IsInsert\" = 0)";
        var parts = new List<string>();
        string? members = null;
        foreach (var c in s.Counters)
        {
            if (c.Member is { } member)
            {
                // Insert-only sources: the current row is the inserted row.
                var m = $"SELECT DISTINCT {d.Day(Col("c", s.Time))} AS \"Day\", {c.Scope(d, "c")} AS \"Scope\", {c.Name(d, "c")} AS \"Name\", {member(d, "c")} AS \"Member\" FROM {inserted} c WHERE {Cond(d, c, "c")}";
                members = members is null ? m : members + " UNION " + m;
                continue;
            }

            parts.Add($"SELECT {d.Day(Col("c", s.Time))} AS \"Day\", {c.Scope(d, "c")} AS \"Scope\", {c.Name(d, "c")} AS \"Name\", 1 AS \"Delta\", " +
                $"{c.LastAt?.Invoke(d, "c") ?? d.NoTime} AS \"LastAt\" FROM {(c.InsertOnly ? inserted : cur)} c WHERE {Cond(d, c, "c")}");
            if (!c.InsertOnly && s.Watched.Length > 0)
            {
                parts.Add($"SELECT {d.Day(Col("o", s.Time))}, {c.Scope(d, "o")}, {c.Name(d, "o")}, -1, {d.NoTime} FROM {old} o WHERE {Cond(d, c, "o")}");
            }
        }

        return (string.Join(" UNION ALL ", parts), members);
    }

    /// <summary>
    /// The rebuild's statements for rows whose <see cref="Source.Time"/> is in [@start, @end): the same counters, counted
    /// by GROUP BY over the raw rows instead of row by row.
    /// </summary>
    internal static IEnumerable<string> RebuildSql(bool postgres)
    {
        var d = new Dialect(postgres);
        foreach (var s in Sources)
        {
            var range = $"s.\"{s.Time}\" >= @start AND s.\"{s.Time}\" < @end" + (s.Filter is { } f ? " AND s." + f : "");
            foreach (var c in s.Counters)
            {
                var day = d.Day(Col("s", s.Time));
                if (c.Member is { } member)
                {
                    yield return "INSERT INTO \"MetricMembers\" (\"Day\", \"Scope\", \"Name\", \"Member\") " +
                        $"SELECT DISTINCT {day}, {c.Scope(d, "s")}, {c.Name(d, "s")}, {member(d, "s")} FROM \"{s.Table}\" s WHERE {range} AND {Cond(d, c, "s")} ON CONFLICT DO NOTHING";
                    continue;
                }

                yield return FoldInto(postgres,
                    $"(SELECT {day} AS \"Day\", {c.Scope(d, "s")} AS \"Scope\", {c.Name(d, "s")} AS \"Name\", 1 AS \"Delta\", {c.LastAt?.Invoke(d, "s") ?? d.NoTime} AS \"LastAt\" " +
                    $"FROM \"{s.Table}\" s WHERE {range} AND {Cond(d, c, "s")})");
            }
        }

        // Distinct counters from their members (members of days outside the range were not deleted, so filter by day).
        yield return FoldInto(postgres,
            $"(SELECT m.\"Day\", m.\"Scope\", m.\"Name\", 1 AS \"Delta\", {d.NoTime} AS \"LastAt\" FROM \"MetricMembers\" m WHERE m.\"Day\" >= @from AND m.\"Day\" <= @to)");
    }
}
