using Microsoft.EntityFrameworkCore;

namespace Hubix.Advisors;

/// <summary>
/// The advisors table's search, shared by <c>GET /api/advisors</c> and the bulk actions (so "all N matching this search"
/// is exactly what the table shows). Keyset pages. Without <c>q</c>, by phone. With digits in <c>q</c>, a phone prefix: a
/// range on the unique phone index. With letters, a name prefix, case-insensitive: a range on the expression index
/// <c>lower(Name), Phone</c> (migration AdvisorNameSearch), ordered by it, so a page costs the same at 100 or 100,000
/// advisors. A prefix, not a substring: "contains" cannot use a B-tree index and would read every row.
/// </summary>
/// <param name="Status"><c>active</c>, <c>opted_out</c>, or anything else for both.</param>
public sealed record AdvisorSearch(string? Q, string? Status, bool IncludeDeleted = false)
{
    /// <summary>What is wrong with the search text, or null.</summary>
    public string? Problem()
    {
        var search = (Q ?? "").Trim();
        return search.Length > AdvisorEndpoints.MaxSearchLength || search.Any(char.IsControl)
            ? $"q: at most {AdvisorEndpoints.MaxSearchLength} characters, no control characters"
            : null;
    }

    /// <summary>One page after <paramref name="cursor"/> and the cursor of the next (null on the last).</summary>
    public async Task<(List<Advisor> Rows, string? Next)> PageAsync(IQueryable<Advisor> advisors, string? cursor, int take, CancellationToken ct)
    {
        var query = advisors;
        if (!IncludeDeleted)
        {
            query = query.Where(a => a.DeletedAt == null);
        }

        if (Status is "active" or "opted_out")
        {
            var s = Status == "active" ? AdvisorStatus.Active : AdvisorStatus.OptedOut;
            query = query.Where(a => a.Status == s);
        }

        var search = (Q ?? "").Trim();
        var digits = new string(search.Where(char.IsAsciiDigit).ToArray());
        var byPhone = search.Length == 0 || (digits.Length > 0 && search.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')'));
        if (byPhone)
        {
            if (digits.Length > 0)
            {
                var hi = AdvisorEndpoints.UpperBound(digits);
                query = query.Where(a => a.Phone.CompareTo(digits) >= 0 && a.Phone.CompareTo(hi) < 0);
            }

            if (Paging.Decode(cursor, 1)?[0] is { } after)
            {
                query = query.Where(a => a.Phone.CompareTo(after) > 0);
            }

            var rows = await query.OrderBy(a => a.Phone).Take(take + 1).ToListAsync(ct);
            return (rows, Paging.TrimExtra(rows, take) ? Paging.Encode(rows[^1].Phone) : null);
        }

        // lower() in SQL folds ASCII letters only (SQLite); names in other scripts match as typed.
        var key = search.ToLowerInvariant();
        var upper = AdvisorEndpoints.UpperBound(key);
        query = query.Where(a => a.Name.ToLower().CompareTo(key) >= 0 && a.Name.ToLower().CompareTo(upper) < 0);
        if (Paging.Decode(cursor, 2) is { } c)
        {
            var (k, p) = (c[0], c[1]);
            query = query.Where(a => a.Name.ToLower().CompareTo(k) >= 0 && (a.Name.ToLower().CompareTo(k) > 0 || a.Phone.CompareTo(p) > 0));
        }

        var named = await query.OrderBy(a => a.Name.ToLower()).ThenBy(a => a.Phone).Take(take + 1).ToListAsync(ct);
        return (named, Paging.TrimExtra(named, take) ? Paging.Encode(named[^1].Name.ToLowerInvariant(), named[^1].Phone) : null);
    }

    /// <summary>For the audit trail: the search as the table's URL would spell it.</summary>
    public override string ToString() =>
        "q=" + (Q ?? "").Trim() + " status=" + (Status is "active" or "opted_out" ? Status : "any") + (IncludeDeleted ? " includeDeleted" : "");
}
