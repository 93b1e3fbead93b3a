namespace Hubix.Dashboard;

/// <summary>
/// A keyset over several tables merged in time order (the timeline, a conversation's messages): the position of an entry
/// is (At, the table it came from, its id), newest first. A page reads at most <see cref="Fetch"/> rows from each table
/// with <see cref="Before"/> as a range on its (phone, time, id) index, merges them, and keeps the newest
/// <c>limit</c>; the oldest of those is the cursor for the page before it.
/// </summary>
internal sealed class TimeKeyset<T>
{
    private readonly List<(DateTime At, int Source, long Id, T Item)> _rows = [];
    private readonly (DateTime At, int Source, long Id)? _cursor;
    private readonly int _limit;

    public TimeKeyset(string? cursor, int limit, string name)
    {
        _limit = limit;
        if (Paging.Decode(cursor, 3, name) is { } p)
        {
            _cursor = (Paging.ParseTime(p[0], name), (int)Paging.ParseId(p[1], name), Paging.ParseId(p[2], name));
        }
    }

    /// <summary>Rows to read from each table: one more than the page, so a full page knows whether an older one exists.</summary>
    public int Fetch => _limit + 1;

    /// <summary>
    /// For rows of <paramref name="source"/>: null on the first page; else they must have <c>At &lt;= at</c> and
    /// (<c>At &lt; at</c> or <c>Id &lt; idBelow</c>). Tables before the cursor's at the same instant are all older,
    /// tables after it none.
    /// </summary>
    public (DateTime At, long IdBelow)? Before(int source) => _cursor is not { } c ? null
        : (c.At, source < c.Source ? long.MaxValue : source > c.Source ? long.MinValue : c.Id);

    public void Add(DateTime at, int source, long id, T item) => _rows.Add((at, source, id, item));

    /// <summary>The page in time order (oldest first) and the cursor for older entries, or null when there are none.</summary>
    public (List<T> Items, string? OlderCursor) Page()
    {
        _rows.Sort((a, b) => (b.At, b.Source, b.Id).CompareTo((a.At, a.Source, a.Id)));
        var more = Paging.TrimExtra(_rows, _limit);
        var last = _rows.Count > 0 ? _rows[^1] : default;
        var cursor = more ? Paging.Encode(Paging.Ticks(last.At), Paging.Id(last.Source), Paging.Id(last.Id)) : null;
        _rows.Reverse();
        return (_rows.Select(r => r.Item).ToList(), cursor);
    }
}
