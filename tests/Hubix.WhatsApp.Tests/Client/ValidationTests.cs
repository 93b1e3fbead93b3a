using Hubix.WhatsApp.Messages;

namespace Hubix.WhatsApp.Tests.Client;

/// <summary>Each of Meta's limits: a value at the limit passes, one character more is reported with the field's JSON path.</summary>
public class ValidationTests
{
    private const string To = "5511999990000";

    private static string S(int length) => new('x', length);

    private static void AssertValid(OutboundMessage m) =>
        Assert.True(m.Validate().Count == 0, "unexpected problems: " + string.Join("; ", m.Validate()));

    private static MessageProblem AssertSingleProblem(OutboundMessage m, string field)
    {
        var problems = m.Validate();
        Assert.True(problems.Count == 1, $"expected one problem on {field}, got: " + string.Join("; ", problems));
        Assert.Equal(field, problems[0].Field);
        return problems[0];
    }

    private static ReplyButtonsMessage Buttons(params ReplyButton[] buttons) => OutboundMessage.ReplyButtons(To, "body", buttons);

    private static ListMessage List(params ListSection[] sections) => OutboundMessage.List(To, "body", "Options", sections);

    private static ListSection Section(string? title, int rows, string idPrefix = "r") =>
        new(title, Enumerable.Range(0, rows).Select(i => new ListRow($"{idPrefix}{i}", $"Row {i}")).ToArray());

    // ---- text, media, recipient ------------------------------------------------------------------------------

    [Fact]
    public void Text_body_4096()
    {
        AssertValid(OutboundMessage.Text(To, S(4096)));
        var p = AssertSingleProblem(OutboundMessage.Text(To, S(4097)), "text.body");
        Assert.Contains("4097", p.Problem);
        Assert.Contains("4096", p.Problem);
        AssertSingleProblem(OutboundMessage.Text(To, ""), "text.body");
    }

    [Fact]
    public void Image_caption_1024()
    {
        AssertValid(OutboundMessage.Image(To, MediaSource.FromId("1"), S(1024)));
        AssertSingleProblem(OutboundMessage.Image(To, MediaSource.FromId("1"), S(1025)), "image.caption");
    }

    [Fact]
    public void Document_caption_1024()
    {
        AssertValid(OutboundMessage.Document(To, MediaSource.FromId("1"), S(1024), "a.pdf"));
        AssertSingleProblem(OutboundMessage.Document(To, MediaSource.FromId("1"), S(1025), "a.pdf"), "document.caption");
    }

    [Theory]
    [InlineData("ftp://example.com/a.jpg")]
    [InlineData("/relative.jpg")]
    [InlineData("")]
    public void Media_link_must_be_absolute_http(string link) =>
        AssertSingleProblem(OutboundMessage.Image(To, MediaSource.FromLink(link)), "image.link");

    [Theory]
    [InlineData("5511999990000")]
    [InlineData("+16505551234")]
    [InlineData("123456789012345")]
    public void Recipient_digits_with_optional_plus(string to) => AssertValid(OutboundMessage.Text(to, "hi"));

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("+55 11 99999-0000")]
    [InlineData("55(11)999990000")]
    [InlineData("1234567890123456")]
    [InlineData("++5511999990000")]
    [InlineData("５５１１")] // full-width digits are not ASCII digits
    public void Recipient_must_be_digits(string to)
    {
        var p = AssertSingleProblem(OutboundMessage.Text(to, "hi"), "to");
        Assert.Contains("digits", p.Problem);
    }

    // ---- reply buttons ---------------------------------------------------------------------------------------

    [Fact]
    public void Button_title_20()
    {
        AssertValid(Buttons(new ReplyButton("a", S(20))));
        AssertSingleProblem(Buttons(new ReplyButton("a", S(21))), "interactive.action.buttons[0].reply.title");
    }

    [Fact]
    public void Button_titles_unique()
    {
        var p = AssertSingleProblem(Buttons(new ReplyButton("a", "Yes"), new ReplyButton("b", "Yes")), "interactive.action.buttons[1].reply.title");
        Assert.Contains("unique", p.Problem);
    }

    [Fact]
    public void Button_ids_unique_our_rule()
    {
        var p = AssertSingleProblem(Buttons(new ReplyButton("a", "Yes"), new ReplyButton("a", "No")), "interactive.action.buttons[1].reply.id");
        Assert.Contains("our rule", p.Problem);
    }

    [Fact]
    public void Button_id_256()
    {
        AssertValid(Buttons(new ReplyButton(S(256), "Yes")));
        AssertSingleProblem(Buttons(new ReplyButton(S(257), "Yes")), "interactive.action.buttons[0].reply.id");
    }

    [Fact]
    public void At_most_3_buttons_and_at_least_1()
    {
        AssertValid(Buttons(new("a", "A"), new("b", "B"), new("c", "C")));
        AssertSingleProblem(Buttons(new("a", "A"), new("b", "B"), new("c", "C"), new("d", "D")), "interactive.action.buttons");
        AssertSingleProblem(Buttons(), "interactive.action.buttons");
    }

    [Fact]
    public void Button_body_1024()
    {
        AssertValid(OutboundMessage.ReplyButtons(To, S(1024), [new("a", "A")]));
        AssertSingleProblem(OutboundMessage.ReplyButtons(To, S(1025), [new("a", "A")]), "interactive.body.text");
    }

    [Fact]
    public void Footer_60()
    {
        AssertValid(OutboundMessage.ReplyButtons(To, "b", [new("a", "A")], footer: S(60)));
        AssertSingleProblem(OutboundMessage.ReplyButtons(To, "b", [new("a", "A")], footer: S(61)), "interactive.footer.text");
        AssertValid(OutboundMessage.List(To, "b", "Open", [Section(null, 1)], footer: S(60)));
        AssertSingleProblem(OutboundMessage.List(To, "b", "Open", [Section(null, 1)], footer: S(61)), "interactive.footer.text");
    }

    [Fact]
    public void Header_text_60()
    {
        AssertValid(OutboundMessage.ReplyButtons(To, "b", [new("a", "A")], InteractiveHeader.Text(S(60))));
        AssertSingleProblem(OutboundMessage.ReplyButtons(To, "b", [new("a", "A")], InteractiveHeader.Text(S(61))), "interactive.header.text");
        AssertValid(OutboundMessage.List(To, "b", "Open", [Section(null, 1)], headerText: S(60)));
        AssertSingleProblem(OutboundMessage.List(To, "b", "Open", [Section(null, 1)], headerText: S(61)), "interactive.header.text");
    }

    // ---- list ------------------------------------------------------------------------------------------------

    [Fact]
    public void List_body_4096()
    {
        AssertValid(OutboundMessage.List(To, S(4096), "Open", [Section(null, 1)]));
        AssertSingleProblem(OutboundMessage.List(To, S(4097), "Open", [Section(null, 1)]), "interactive.body.text");
    }

    [Fact]
    public void List_button_label_20()
    {
        AssertValid(OutboundMessage.List(To, "b", S(20), [Section(null, 1)]));
        AssertSingleProblem(OutboundMessage.List(To, "b", S(21), [Section(null, 1)]), "interactive.action.button");
    }

    [Fact]
    public void Section_title_24_and_required_with_several_sections()
    {
        AssertValid(List(Section(S(24), 1)));
        AssertSingleProblem(List(Section(S(25), 1)), "interactive.action.sections[0].title");
        AssertValid(List(Section(null, 1)));
        AssertSingleProblem(List(Section("A", 1, "a"), Section(null, 1, "b")), "interactive.action.sections[1].title");
    }

    [Fact]
    public void Row_title_24_id_200_description_72()
    {
        AssertValid(List(new ListSection(null, [new ListRow(S(200), S(24), S(72))])));
        AssertSingleProblem(List(new ListSection(null, [new ListRow("a", S(25))])), "interactive.action.sections[0].rows[0].title");
        AssertSingleProblem(List(new ListSection(null, [new ListRow(S(201), "t")])), "interactive.action.sections[0].rows[0].id");
        AssertSingleProblem(List(new ListSection(null, [new ListRow("a", "t", S(73))])), "interactive.action.sections[0].rows[0].description");
    }

    [Fact]
    public void At_most_10_sections()
    {
        var ten = Enumerable.Range(0, 10).Select(i => new ListSection($"S{i}", [new ListRow($"r{i}", "t")])).ToArray();
        AssertValid(List(ten));
        // 11 sections of one row each are also 11 rows, so two problems, both on "sections".
        var eleven = Enumerable.Range(0, 11).Select(i => new ListSection($"S{i}", [new ListRow($"r{i}", "t")])).ToArray();
        var problems = List(eleven).Validate();
        Assert.Contains(problems, p => p.Field == "interactive.action.sections" && p.Problem.Contains("11 sections", StringComparison.Ordinal));
        AssertSingleProblem(List(), "interactive.action.sections");
    }

    [Fact]
    public void At_most_10_rows_across_all_sections()
    {
        AssertValid(List(Section("A", 5, "a"), Section("B", 5, "b")));
        var p = AssertSingleProblem(List(Section("A", 5, "a"), Section("B", 6, "b")), "interactive.action.sections");
        Assert.Contains("11 rows", p.Problem);
    }

    [Fact]
    public void Row_ids_unique_across_sections_our_rule() =>
        AssertSingleProblem(List(Section("A", 1, "x"), Section("B", 1, "x")), "interactive.action.sections[1].rows[0].id");

    [Fact]
    public void List_header_must_be_text()
    {
        var m = OutboundMessage.List(To, "b", "Open", [Section(null, 1)]) with { Header = InteractiveHeader.Image(MediaSource.FromId("1")) };
        AssertSingleProblem(m, "interactive.header.type");
    }

    // ---- template --------------------------------------------------------------------------------------------

    [Fact]
    public void Quick_reply_payload_256_our_rule()
    {
        AssertValid(OutboundMessage.Template(To, "t", "en_US", quickReplyPayloads: [S(256)]));
        var p = AssertSingleProblem(OutboundMessage.Template(To, "t", "en_US", quickReplyPayloads: ["ok", S(257)]),
            "template.components[button index 1].parameters[0].payload");
        Assert.Contains("our rule", p.Problem);
    }

    [Fact]
    public void Quick_reply_index_and_count()
    {
        AssertValid(OutboundMessage.Template(To, "t", "en_US", quickReplyPayloads: Enumerable.Range(0, 10).Select(i => $"p{i}")));
        Assert.Contains(
            OutboundMessage.Template(To, "t", "en_US", quickReplyPayloads: Enumerable.Range(0, 11).Select(i => $"p{i}")).Validate(),
            p => p.Field == "template.components[button]");
        var dup = OutboundMessage.Template(To, "t", "en_US") with { QuickReplies = [new(0, "a"), new(0, "b")] };
        AssertSingleProblem(dup, "template.components[button index 0].index");
    }

    [Fact]
    public void Template_header_text_parameter_60()
    {
        AssertValid(OutboundMessage.Template(To, "t", "en_US", header: TemplateHeaderParameter.Text(S(60))));
        AssertSingleProblem(OutboundMessage.Template(To, "t", "en_US", header: TemplateHeaderParameter.Text(S(61))),
            "template.components[header].parameters[0].text");
    }

    [Fact]
    public void Template_name_and_language()
    {
        AssertSingleProblem(OutboundMessage.Template(To, "Order-Confirmation", "en_US"), "template.name");
        AssertSingleProblem(OutboundMessage.Template(To, "order", ""), "template.language.code");
    }

    [Fact]
    public void Template_body_parameters_not_empty_and_not_mixed()
    {
        AssertSingleProblem(OutboundMessage.Template(To, "t", "en_US", ["a", ""]), "template.components[body].parameters[1].text");
        var mixed = OutboundMessage.Template(To, "t", "en_US") with
        {
            BodyParameters = [TemplateBodyParameter.Positional("a"), TemplateBodyParameter.Named("n", "b")],
        };
        AssertSingleProblem(mixed, "template.components[body].parameters");
        var twice = OutboundMessage.TemplateNamed(To, "t", "en_US", [new("n", "a"), new("n", "b")]);
        AssertSingleProblem(twice, "template.components[body].parameters[1].parameter_name");
    }

    [Fact]
    public void Mark_as_read_needs_a_message_id() => AssertSingleProblem(OutboundMessage.MarkAsRead(""), "message_id");

    [Fact]
    public void Problems_read_as_sentences_naming_the_field()
    {
        var p = OutboundMessage.Text(To, S(4097)).Validate().Single();
        Assert.Equal("text.body: is 4097 characters long; the limit is 4096.", p.ToString());
    }
}
