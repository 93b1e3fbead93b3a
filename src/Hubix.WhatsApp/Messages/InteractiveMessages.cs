using System.Globalization;
using System.Text.Json;

namespace Hubix.WhatsApp.Messages;

/// <summary>Header of an interactive message: text (≤ 60) for both kinds; image or document only for reply buttons.</summary>
public sealed record InteractiveHeader
{
    public const int MaxTextLength = 60;

    private InteractiveHeader(string kind, string? text, MediaSource? media)
    {
        Kind = kind;
        TextValue = text;
        Media = media;
    }

    /// <summary>"text", "image" or "document".</summary>
    public string Kind { get; }

    public string? TextValue { get; }

    public MediaSource? Media { get; }

    public static InteractiveHeader Text(string text) => new("text", text, null);

    public static InteractiveHeader Image(MediaSource image) => new("image", null, image);

    public static InteractiveHeader Document(MediaSource document) => new("document", null, document);

    internal void Validate(ProblemList problems, string field)
    {
        if (Kind == "text")
        {
            problems.Required(field + ".text", TextValue, MaxTextLength);
        }
        else if (Media is null)
        {
            problems.Add(field + "." + Kind, "is required (a media id or link).");
        }
        else
        {
            Media.Validate(problems, field + "." + Kind);
        }
    }

    internal void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject("header");
        w.WriteString("type", Kind);
        if (Kind == "text")
        {
            w.WriteString("text", TextValue);
        }
        else
        {
            w.WriteStartObject(Kind);
            Media!.WriteProperties(w);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}

/// <summary>A reply button: <see cref="Id"/> (≤ 256) comes back in the inbound <c>button_reply.id</c>; <see cref="Title"/> ≤ 20.</summary>
public sealed record ReplyButton(string Id, string Title);

/// <summary>A list row: id ≤ 200 (comes back in <c>list_reply.id</c>), title ≤ 24, description ≤ 72.</summary>
public sealed record ListRow(string Id, string Title, string? Description = null);

/// <summary>A list section: title ≤ 24 (required when the list has more than one section).</summary>
public sealed record ListSection(string? Title, IReadOnlyList<ListRow> Rows);

/// <summary>Shared body/footer handling of <c>"type":"interactive"</c>.</summary>
public abstract record InteractiveMessage : RecipientMessage
{
    public const int MaxFooterLength = 60;

    private protected InteractiveMessage(string to, string body, InteractiveHeader? header, string? footer)
        : base(to)
    {
        Body = body;
        Header = header;
        Footer = footer;
    }

    public string Body { get; init; }

    public InteractiveHeader? Header { get; init; }

    public string? Footer { get; init; }

    public sealed override string Type => "interactive";

    /// <summary>"button" or "list".</summary>
    private protected abstract string InteractiveType { get; }

    private protected abstract int MaxBodyLength { get; }

    private protected sealed override void ValidateContent(ProblemList problems)
    {
        Header?.Validate(problems, "interactive.header");
        problems.Required("interactive.body.text", Body, MaxBodyLength);
        problems.Optional("interactive.footer.text", Footer, MaxFooterLength);
        ValidateAction(problems);
    }

    private protected sealed override void WriteContent(Utf8JsonWriter w)
    {
        w.WriteString("type", InteractiveType);
        Header?.Write(w);
        w.WriteStartObject("body");
        w.WriteString("text", Body);
        w.WriteEndObject();
        if (Footer is not null)
        {
            w.WriteStartObject("footer");
            w.WriteString("text", Footer);
            w.WriteEndObject();
        }
        w.WriteStartObject("action");
        WriteAction(w);
        w.WriteEndObject();
    }

    private protected abstract void ValidateAction(ProblemList problems);

    private protected abstract void WriteAction(Utf8JsonWriter w);

    private protected static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Interactive reply buttons: body ≤ 1024, footer ≤ 60, 1–3 buttons, titles ≤ 20 and unique, ids ≤ 256.
/// Ids must also be unique (our rule: the tap comes back only as the id).
/// </summary>
public sealed record ReplyButtonsMessage : InteractiveMessage
{
    public const int MaxBody = 1024;
    public const int MaxButtons = 3;
    public const int MaxTitleLength = 20;
    public const int MaxIdLength = 256;

    internal ReplyButtonsMessage(string to, string body, IReadOnlyList<ReplyButton> buttons, InteractiveHeader? header, string? footer)
        : base(to, body, header, footer)
    {
        Buttons = buttons;
    }

    public IReadOnlyList<ReplyButton> Buttons { get; init; }

    private protected override string InteractiveType => "button";

    private protected override int MaxBodyLength => MaxBody;

    private protected override void ValidateAction(ProblemList problems)
    {
        if (Buttons.Count is 0 or > MaxButtons)
        {
            problems.Add("interactive.action.buttons", Invariant($"has {Buttons.Count} buttons; 1 to {MaxButtons} are allowed."));
        }
        var titles = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Buttons.Count; i++)
        {
            var field = Invariant($"interactive.action.buttons[{i}].reply");
            var b = Buttons[i];
            problems.Required(field + ".id", b.Id, MaxIdLength);
            problems.Required(field + ".title", b.Title, MaxTitleLength);
            if (b.Title is not null && !titles.Add(b.Title))
            {
                problems.Add(field + ".title", $"'{b.Title}' is used by another button; titles must be unique.");
            }
            if (b.Id is not null && !ids.Add(b.Id))
            {
                problems.Add(field + ".id", $"'{b.Id}' is used by another button; ids must be unique (our rule).");
            }
        }
    }

    private protected override void WriteAction(Utf8JsonWriter w)
    {
        w.WriteStartArray("buttons");
        foreach (var b in Buttons)
        {
            w.WriteStartObject();
            w.WriteString("type", "reply");
            w.WriteStartObject("reply");
            w.WriteString("id", b.Id);
            w.WriteString("title", b.Title);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

/// <summary>
/// Interactive list: text header ≤ 60, body ≤ 4096, footer ≤ 60, button label ≤ 20, 1–10 sections (title ≤ 24,
/// required when there are several), 1–10 rows in total (id ≤ 200, title ≤ 24, description ≤ 72).
/// Row ids must be unique across the list (our rule: the tap comes back only as the id).
/// </summary>
public sealed record ListMessage : InteractiveMessage
{
    public const int MaxBody = 4096;
    public const int MaxButtonLabelLength = 20;
    public const int MaxSections = 10;
    public const int MaxRows = 10;
    public const int MaxSectionTitleLength = 24;
    public const int MaxRowIdLength = 200;
    public const int MaxRowTitleLength = 24;
    public const int MaxRowDescriptionLength = 72;

    internal ListMessage(string to, string body, string buttonLabel, IReadOnlyList<ListSection> sections, InteractiveHeader? header, string? footer)
        : base(to, body, header, footer)
    {
        ButtonLabel = buttonLabel;
        Sections = sections;
    }

    public string ButtonLabel { get; init; }

    public IReadOnlyList<ListSection> Sections { get; init; }

    private protected override string InteractiveType => "list";

    private protected override int MaxBodyLength => MaxBody;

    private protected override void ValidateAction(ProblemList problems)
    {
        if (Header is not null && Header.Kind != "text")
        {
            problems.Add("interactive.header.type", "must be \"text\" for a list message.");
        }
        problems.Required("interactive.action.button", ButtonLabel, MaxButtonLabelLength);
        if (Sections.Count is 0 or > MaxSections)
        {
            problems.Add("interactive.action.sections", Invariant($"has {Sections.Count} sections; 1 to {MaxSections} are allowed."));
        }

        var totalRows = 0;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var s = 0; s < Sections.Count; s++)
        {
            var section = Sections[s];
            var sField = Invariant($"interactive.action.sections[{s}]");
            if (Sections.Count > 1)
            {
                problems.Required(sField + ".title", section.Title, MaxSectionTitleLength);
            }
            else
            {
                problems.Optional(sField + ".title", section.Title, MaxSectionTitleLength);
            }
            var rows = section.Rows ?? [];
            if (rows.Count == 0)
            {
                problems.Add(sField + ".rows", "must contain at least one row.");
            }
            totalRows += rows.Count;
            for (var r = 0; r < rows.Count; r++)
            {
                var rField = Invariant($"{sField}.rows[{r}]");
                var row = rows[r];
                problems.Required(rField + ".id", row.Id, MaxRowIdLength);
                problems.Required(rField + ".title", row.Title, MaxRowTitleLength);
                problems.Optional(rField + ".description", row.Description, MaxRowDescriptionLength);
                if (row.Id is not null && !ids.Add(row.Id))
                {
                    problems.Add(rField + ".id", $"'{row.Id}' is used by another row; row ids must be unique (our rule).");
                }
            }
        }
        if (totalRows > MaxRows)
        {
            problems.Add("interactive.action.sections", Invariant($"have {totalRows} rows in total; at most {MaxRows} are allowed across all sections."));
        }
    }

    private protected override void WriteAction(Utf8JsonWriter w)
    {
        w.WriteString("button", ButtonLabel);
        w.WriteStartArray("sections");
        foreach (var section in Sections)
        {
            w.WriteStartObject();
            if (section.Title is not null)
            {
                w.WriteString("title", section.Title);
            }
            w.WriteStartArray("rows");
            foreach (var row in section.Rows)
            {
                w.WriteStartObject();
                w.WriteString("id", row.Id);
                w.WriteString("title", row.Title);
                if (row.Description is not null)
                {
                    w.WriteString("description", row.Description);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
