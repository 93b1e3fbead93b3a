using System.Globalization;
using System.Text;
using Hubix.Data;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>A problem with one row of an import file. Row 1 is the header, so the first advisor is row 2.</summary>
public sealed record ImportError(int Row, string Field, string Reason)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"row {Row}: {Field}: {Reason}");
}

/// <summary>What an import did. When <see cref="Applied"/> is false nothing was written.</summary>
public sealed record AdvisorImportResult(bool Applied, int Created, int Updated, int Skipped, IReadOnlyList<ImportError> Errors);

/// <summary>An advisor as given by a file or the API, already validated and normalised.</summary>
/// <param name="Consent">How and when they opted in (the import's <c>consent</c> column), recorded for a new advisor.</param>
public sealed record AdvisorInput(string Phone, string Name, string TimeZone, string Language, string Categories, ImportedConsent? Consent = null);

/// <summary>Evidence of an opt-in given by an import: where it was collected (<c>web-form</c>) and on which day.</summary>
public sealed record ImportedConsent(string Source, DateOnly Date)
{
    public const int MaxSourceLength = 200;

    /// <summary>
    /// <c>SOURCE YYYY-MM-DD</c>: the source (any text without control characters, up to 200 characters) and the day of the
    /// opt-in, not after <paramref name="today"/>. Null with a reason otherwise.
    /// </summary>
    public static ImportedConsent? Parse(string raw, DateOnly today, out string? reason)
    {
        reason = null;
        var text = raw.Trim();
        var space = text.LastIndexOf(' ');
        if (space <= 0)
        {
            reason = $"'{Cut(text)}' is not 'SOURCE YYYY-MM-DD' (e.g. 'web-form 2026-11-01')";
            return null;
        }

        var source = text[..space].Trim();
        if (!DateOnly.TryParseExact(text[(space + 1)..], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            reason = $"'{Cut(text[(space + 1)..])}' is not a date YYYY-MM-DD (the consent column is 'SOURCE YYYY-MM-DD', e.g. 'web-form 2026-11-01')";
            return null;
        }

        if (source.Length > MaxSourceLength || source.Any(char.IsControl))
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"the source must be at most {MaxSourceLength} characters without control characters");
            return null;
        }

        if (date > today)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"the opt-in date {date:yyyy-MM-dd} is in the future");
            return null;
        }

        return new ImportedConsent(source, date);
    }

    private static string Cut(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

/// <summary>
/// Imports advisors from CSV (<c>phone,name,timezone,language,categories,consent</c>; categories separated by ';').
/// Every row is validated first; a file with errors imports nothing unless <c>skipInvalid</c> is set.
/// Re-importing a phone updates that advisor (and restores a deleted one) but never changes consent. The optional
/// <c>consent</c> column (<c>SOURCE YYYY-MM-DD</c>, e.g. <c>web-form 2026-11-01</c>) is the evidence of a new advisor's
/// opt-in: it goes into the consent ledger (source <c>import</c>, the given source as detail, at that day).
/// </summary>
public static class AdvisorImport
{
    public const string DefaultTimeZone = "Asia/Kolkata";
    public const string DefaultLanguage = "en";
    private static readonly string[] KnownColumns = ["phone", "name", "timezone", "language", "categories", "consent"];

    /// <summary>Digits only, 8–15 long, after removing '+', spaces and dashes; null with a reason otherwise.</summary>
    public static string? NormalisePhone(string? raw, out string? reason)
    {
        reason = null;
        var digits = new StringBuilder();
        foreach (var c in raw ?? "")
        {
            if (c is '+' or ' ' or '-' or '\t')
            {
                continue;
            }

            if (c is < '0' or > '9')
            {
                reason = $"'{raw}' contains '{c}'; use digits with an optional leading +";
                return null;
            }

            digits.Append(c);
        }

        if (digits.Length is < 8 or > 15)
        {
            reason = string.IsNullOrWhiteSpace(raw) ? "is required" : string.Create(CultureInfo.InvariantCulture, $"'{raw}' has {digits.Length} digits; a phone number with country code has 8 to 15");
            return null;
        }

        return digits.ToString();
    }

    public static bool IsKnownTimeZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>Validates one advisor's fields; adds errors with <paramref name="row"/> and returns null when invalid.</summary>
    public static AdvisorInput? Validate(int row, string? phone, string? name, string? timeZone, string? language, string? categories, List<ImportError> errors)
    {
        var before = errors.Count;
        var normalised = NormalisePhone(phone, out var reason);
        if (normalised is null)
        {
            errors.Add(new ImportError(row, "phone", reason!));
        }

        name = (name ?? "").Trim();
        if (name.Length > 200)
        {
            errors.Add(new ImportError(row, "name", "is longer than 200 characters"));
        }

        var tz = string.IsNullOrWhiteSpace(timeZone) ? DefaultTimeZone : timeZone.Trim();
        if (!IsKnownTimeZone(tz))
        {
            errors.Add(new ImportError(row, "timezone", $"'{tz}' is not a known IANA time zone (e.g. Asia/Kolkata)"));
        }

        var lang = string.IsNullOrWhiteSpace(language) ? DefaultLanguage : language.Trim();
        if (lang.Length > 16 || !lang.All(c => char.IsAsciiLetter(c) || c is '_' or '-'))
        {
            errors.Add(new ImportError(row, "language", $"'{lang}' is not a language code (e.g. en, hi, en_US)"));
        }

        var cats = string.Join(';', (categories ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToLowerInvariant()).Distinct(StringComparer.Ordinal));
        if (cats.Length > 500)
        {
            errors.Add(new ImportError(row, "categories", "are longer than 500 characters"));
        }

        return errors.Count > before ? null : new AdvisorInput(normalised!, name, tz, lang, cats);
    }

    /// <summary>Parses and validates a CSV text. Returns the valid rows (with their row numbers) and every error.</summary>
    /// <param name="today">The latest opt-in date the consent column may give (UTC day of the import).</param>
    public static (List<(int Row, AdvisorInput Advisor)> Rows, List<ImportError> Errors) Parse(string csv, DateOnly? today = null)
    {
        var errors = new List<ImportError>();
        var rows = new List<(int, AdvisorInput)>();
        List<List<string>> records;
        try
        {
            records = Csv.Parse(csv);
        }
        catch (FormatException ex)
        {
            errors.Add(new ImportError(0, "file", ex.Message));
            return (rows, errors);
        }

        if (records.Count == 0)
        {
            errors.Add(new ImportError(1, "header", "the file is empty; expected the header phone,name,timezone,language,categories[,consent]"));
            return (rows, errors);
        }

        var header = records[0].Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            if (!KnownColumns.Contains(header[i]))
            {
                errors.Add(new ImportError(1, "header", $"unknown column '{header[i]}'; expected phone,name,timezone,language,categories[,consent]"));
            }
            else if (!index.TryAdd(header[i], i))
            {
                errors.Add(new ImportError(1, "header", $"column '{header[i]}' appears twice"));
            }
        }

        if (!index.ContainsKey("phone"))
        {
            errors.Add(new ImportError(1, "header", "the phone column is required"));
        }

        if (errors.Count > 0)
        {
            return (rows, errors);
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var r = 1; r < records.Count; r++)
        {
            var rowNumber = r + 1;
            var fields = records[r];
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (fields.Count > header.Count)
            {
                errors.Add(new ImportError(rowNumber, "row", string.Create(CultureInfo.InvariantCulture, $"has {fields.Count} fields; the header has {header.Count} (quote fields that contain commas)")));
                continue;
            }

            string? Get(string column) => index.TryGetValue(column, out var i) && i < fields.Count ? fields[i] : null;
            var advisor = Validate(rowNumber, Get("phone"), Get("name"), Get("timezone"), Get("language"), Get("categories"), errors);
            ImportedConsent? consent = null;
            if (Get("consent") is { } raw && !string.IsNullOrWhiteSpace(raw))
            {
                consent = ImportedConsent.Parse(raw, today ?? DateOnly.MaxValue, out var reason);
                if (consent is null)
                {
                    errors.Add(new ImportError(rowNumber, "consent", reason!));
                    continue;
                }
            }

            if (advisor is null)
            {
                continue;
            }

            advisor = advisor with { Consent = consent };

            if (seen.TryGetValue(advisor.Phone, out var first))
            {
                errors.Add(new ImportError(rowNumber, "phone", string.Create(CultureInfo.InvariantCulture, $"{advisor.Phone} is already on row {first}")));
                continue;
            }

            seen[advisor.Phone] = rowNumber;
            rows.Add((rowNumber, advisor));
        }

        return (rows, errors);
    }

    /// <summary>Validates the whole file, then (if clean, or when skipping invalid rows) upserts in one transaction.</summary>
    public static async Task<AdvisorImportResult> ImportCsvAsync(HubixDb db, string csv, bool skipInvalid, DateTime now, CancellationToken ct, Operators.AuditNote? audit = null)
    {
        var (rows, errors) = Parse(csv, DateOnly.FromDateTime(now));
        if (errors.Count > 0 && (!skipInvalid || errors.Any(e => e.Row <= 1)))
        {
            return new AdvisorImportResult(false, 0, 0, 0, errors);
        }

        var skipped = errors.Select(e => e.Row).Distinct().Count();
        var (created, updated) = await UpsertAsync(db, rows.Select(r => r.Advisor).ToList(), now, ct,
            audit is null ? null : audit with { Detail = $"{audit.Detail}{skipped} row(s) skipped as invalid; " });
        return new AdvisorImportResult(true, created, updated, skipped, errors);
    }

    /// <summary>
    /// Creates or updates advisors by phone in one transaction, with <paramref name="audit"/> (its detail followed by the
    /// counts) when given. Consent (status) is never changed here; a new advisor's <see cref="AdvisorInput.Consent"/> is
    /// recorded in the consent ledger in the same transaction.
    /// </summary>
    public static async Task<(int Created, int Updated)> UpsertAsync(
        HubixDb db, IReadOnlyList<AdvisorInput> advisors, DateTime now, CancellationToken ct, Operators.AuditNote? audit = null)
    {
        await using var context = db.CreateDbContext();
        await using var tx = await context.Database.BeginTransactionAsync(ct);
        var existing = new Dictionary<string, Advisor>(StringComparer.Ordinal);
        foreach (var chunk in advisors.Select(a => a.Phone).Chunk(500))
        {
            foreach (var a in await context.Set<Advisor>().Where(a => chunk.Contains(a.Phone)).ToListAsync(ct))
            {
                existing[a.Phone] = a;
            }
        }

        int created = 0, updated = 0;
        foreach (var input in advisors)
        {
            if (existing.TryGetValue(input.Phone, out var a))
            {
                var changed = a.Name != input.Name || a.TimeZone != input.TimeZone || a.Language != input.Language
                    || a.Categories != input.Categories || a.DeletedAt is not null;
                if (changed)
                {
                    a.Name = input.Name;
                    a.TimeZone = input.TimeZone;
                    a.Language = input.Language;
                    a.Categories = input.Categories;
                    a.DeletedAt = null;
                    a.UpdatedAt = now;
                    updated++;
                }
            }
            else
            {
                var advisor = new Advisor
                {
                    Phone = input.Phone,
                    Name = input.Name,
                    TimeZone = input.TimeZone,
                    Language = input.Language,
                    Categories = input.Categories,
                    Status = AdvisorStatus.Active,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                context.Add(advisor);
                if (input.Consent is { } consent)
                {
                    context.Add(new ConsentEvent
                    {
                        Advisor = advisor,
                        Phone = advisor.Phone,
                        At = consent.Date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                        Status = AdvisorStatus.Active,
                        Source = "import",
                        Detail = consent.Source,
                    });
                }

                created++;
            }
        }

        (audit is null ? null : audit with { Detail = FormattableString.Invariant($"{audit.Detail}{created} created, {updated} updated") })?.Add(context, now);
        await context.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (created, updated);
    }
}

/// <summary>RFC 4180 CSV: commas, double-quoted fields with "" escapes and embedded newlines, CRLF or LF.</summary>
internal static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var fieldStarted = false;
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0 || field.ToString().Trim().Length == 0:
                    field.Clear();
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case ',':
                    record.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    line++;
                    record.Add(field.ToString());
                    records.Add(record);
                    record = [];
                    field.Clear();
                    fieldStarted = false;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (inQuotes)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"a quoted field is not closed (it starts before line {line})"));
        }

        if (fieldStarted || field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }
}
