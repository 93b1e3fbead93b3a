using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Messages;
using Microsoft.AspNetCore.Http;

namespace Hubix.WhatsApp.Tests.Client;

/// <summary>The client against a real loopback Kestrel app that answers like graph.facebook.com.</summary>
public class WhatsAppCloudClientTests
{
    private const string Token = "EAAG-test-token-5f1c0e9a7b";
    private const string PhoneId = "106540352242922";
    private const string Waba = "102290129340398";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (WhatsAppCloudClient Client, HttpClient Http) Client(Uri baseUri, TimeSpan? timeout = null)
    {
        var http = new HttpClient();
        if (timeout is not null)
        {
            http.Timeout = timeout.Value;
        }
        var client = new WhatsAppCloudClient(http, new WhatsAppClientOptions
        {
            GraphBaseUrl = baseUri.ToString().TrimEnd('/'),
            AccessToken = Token,
            PhoneNumberId = PhoneId,
            BusinessAccountId = Waba,
        });
        return (client, http);
    }

    private static void AssertNoToken(GraphError e)
    {
        Assert.DoesNotContain(Token, e.Message);
        Assert.DoesNotContain(Token, e.Details ?? "");
        Assert.DoesNotContain(Token, e.ToString());
    }

    // ---- send ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Send_posts_the_body_with_bearer_token_and_reads_the_wamid()
    {
        await using var graph = await FakeGraph.StartAsync(200, Fixture.Read("send-response.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var message = OutboundMessage.Text("+16505551234", "Olá, tudo bem?");
        var result = await client.SendAsync(message, "outbox:1", Ct);

        Assert.True(result.IsAccepted, result.Error?.ToString());
        Assert.Equal("wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA", result.MessageId);
        Assert.Equal("16505551234", result.WaId);
        Assert.Equal("+16505551234", result.Input);
        Assert.Null(result.MessageStatus);

        var req = Assert.Single(graph.Requests);
        Assert.Equal("POST", req.Method);
        Assert.Equal($"/v23.0/{PhoneId}/messages", req.Path);
        Assert.Equal($"Bearer {Token}", req.Authorization);
        Assert.StartsWith("application/json", req.ContentType, StringComparison.Ordinal);
        Fixture.AssertJsonEqual(JsonNode.Parse(message.ToRequestJson("outbox:1"))!, req.Body);
    }

    [Fact]
    public async Task SendJson_posts_stored_json_with_injected_callback_data_and_reads_message_status()
    {
        const string response = """
            {"messaging_product":"whatsapp","contacts":[{"input":"5511999990000","wa_id":"5511999990000"}],
             "messages":[{"id":"wamid.T1","message_status":"held_for_quality_assessment"}]}
            """;
        await using var graph = await FakeGraph.StartAsync(200, response);
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var stored = OutboundMessage.Template("5511999990000", "order_confirmation", "en_US", ["Jessica"], ["stop"]).ToRequestJson();
        var result = await client.SendJsonAsync(OutboundMessage.WithCallbackData(stored, "outbox:99"), Ct);

        Assert.True(result.IsAccepted);
        Assert.Equal("wamid.T1", result.MessageId);
        Assert.Equal("held_for_quality_assessment", result.MessageStatus);
        var body = JsonNode.Parse(Assert.Single(graph.Requests).Body)!;
        Assert.Equal("outbox:99", (string?)body["biz_opaque_callback_data"]);
        Assert.Equal("order_confirmation", (string?)body["template"]!["name"]);
    }

    [Fact]
    public async Task Invalid_message_is_not_sent()
    {
        await using var graph = await FakeGraph.StartAsync(200, Fixture.Read("send-response.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.SendAsync(OutboundMessage.Text("5511999990000", new string('x', 4097)), null, Ct);

        Assert.False(result.IsAccepted);
        Assert.Equal(GraphError.ValidationFailureCode, result.Error.Code);
        Assert.Equal(ErrorClass.Permanent, result.Error.Class);
        Assert.Null(result.Error.HttpStatus);
        Assert.Contains("text.body", result.Error.Message);
        Assert.False(result.Error.MayHaveBeenSent);
        Assert.Empty(graph.Requests);
    }

    [Fact]
    public async Task Read_receipt_goes_through_MarkAsRead()
    {
        await using var graph = await FakeGraph.StartAsync(200, """{"success":true}""");
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.MarkAsReadAsync("wamid.IN1", Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var req = Assert.Single(graph.Requests);
        Assert.Equal($"/v23.0/{PhoneId}/messages", req.Path);
        Assert.Equal($"Bearer {Token}", req.Authorization);
        Fixture.AssertJsonEqual(JsonNode.Parse("""{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}""")!, req.Body);
        await Assert.ThrowsAsync<ArgumentException>(() => client.SendAsync(OutboundMessage.MarkAsRead("wamid.IN1"), null, Ct));
    }

    // ---- Meta error envelopes --------------------------------------------------------------------------------

    [Fact]
    public async Task Throughput_error_envelope_is_read_completely()
    {
        await using var graph = await FakeGraph.StartAsync(400, Fixture.Read("error-130429-rate-limit.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct);

        Assert.False(result.IsAccepted);
        var e = result.Error;
        Assert.Equal(400, e.HttpStatus);
        Assert.Equal(130429, e.Code);
        Assert.Equal("(#130429) Rate limit hit", e.Message);
        Assert.Equal("Cloud API message throughput has been reached.", e.Details);
        Assert.Equal("OAuthException", e.Type);
        Assert.Equal(2494055, e.Subcode);
        Assert.Equal("Az8or2yhqkZfEZ-_4Qn_Bam", e.FbTraceId);
        Assert.Equal(ErrorClass.Throughput, e.Class);
        Assert.False(e.MayHaveBeenSent);
        Assert.Equal("Throughput rate limit hit", e.Describe().Title);
    }

    [Fact]
    public async Task Invalid_parameter_envelope_is_permanent_with_details()
    {
        await using var graph = await FakeGraph.StartAsync(400, Fixture.Read("error-100-invalid-parameter.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(100, e.Code);
        Assert.Equal(ErrorClass.Permanent, e.Class);
        Assert.Equal("Message must be a template message.", e.Details);
        Assert.Equal("Ak6nxJSySLEJz32Ps-QiZ1t", e.FbTraceId);
    }

    [Fact]
    public async Task Pair_rate_envelope_with_403_is_classified_by_code()
    {
        // courier's mock answers HTTP 403; the class must come from the code, not from the status.
        await using var graph = await FakeGraph.StartAsync(403, Fixture.Read("error-131056-pair-rate-limit.courier-mock.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(403, e.HttpStatus);
        Assert.Equal(131056, e.Code);
        Assert.Equal(ErrorClass.PairRate, e.Class);
        Assert.Null(e.Details);
        Assert.Null(e.FbTraceId);
    }

    [Fact]
    public async Task Expired_token_401_code_190_is_auth_and_never_echoes_the_token()
    {
        // Shape of Graph's token error; the message deliberately contains the token to prove it is redacted.
        var envelope = $$$"""
            {"error":{"message":"Error validating access token {{{Token}}}: Session has expired.","type":"OAuthException",
              "code":190,"error_subcode":463,"fbtrace_id":"AbCdEf"}}
            """;
        await using var graph = await FakeGraph.StartAsync(401, envelope);
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(401, e.HttpStatus);
        Assert.Equal(190, e.Code);
        Assert.Equal(ErrorClass.Auth, e.Class);
        Assert.Contains("[redacted]", e.Message);
        AssertNoToken(e);
    }

    [Fact]
    public async Task A_401_without_a_graph_envelope_is_not_auth()
    {
        await using var graph = await FakeGraph.StartAsync((ctx, _) => FakeGraph.RespondAsync(ctx, 401, "<html>denied</html>", "text/html"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(GraphError.TransportFailureCode, e.Code);
        Assert.NotEqual(ErrorClass.Auth, e.Class);
        Assert.Equal("HTTP 401", e.Message);
    }

    [Fact]
    public async Task Http_503_without_envelope_is_retry_later()
    {
        await using var graph = await FakeGraph.StartAsync((ctx, _) => FakeGraph.RespondAsync(ctx, 503, "Service Unavailable", "text/plain"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(GraphError.TransportFailureCode, e.Code);
        Assert.Equal(503, e.HttpStatus);
        Assert.Equal("HTTP 503", e.Message);
        Assert.Equal(ErrorClass.RetryLater, e.Class);
        Assert.True(e.MayHaveBeenSent);
    }

    [Fact]
    public async Task Unreadable_2xx_is_not_retried_because_it_may_have_been_sent()
    {
        await using var graph = await FakeGraph.StartAsync(200, """{"messaging_product":"whatsapp"}""");
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var e = (await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct)).Error!;

        Assert.Equal(GraphError.TransportFailureCode, e.Code);
        Assert.Equal(200, e.HttpStatus);
        Assert.True(e.MayHaveBeenSent);
        Assert.Equal(ErrorClass.Permanent, e.Class);
    }

    // ---- transport -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Timeout_is_retry_later()
    {
        await using var graph = await FakeGraph.StartAsync(async (ctx, _) =>
        {
            // Never answers: waits until the client gives up and aborts the request.
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var (client, http) = Client(graph.BaseUri, TimeSpan.FromMilliseconds(300));
        using var _ = http;

        var result = await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct);

        var e = result.Error!;
        Assert.Equal(GraphError.TransportFailureCode, e.Code);
        Assert.Equal("timeout", e.Message);
        Assert.Null(e.HttpStatus);
        Assert.Equal(ErrorClass.RetryLater, e.Class);
        Assert.True(e.MayHaveBeenSent);
        // On a loaded machine the client may give up before the server saw the request; never more than one.
        Assert.True(graph.Requests.Count <= 1);
        AssertNoToken(e);
    }

    [Fact]
    public async Task Connection_refused_is_retry_later()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (client, http) = Client(new Uri($"http://127.0.0.1:{port}"));
        using var _ = http;

        var result = await client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, Ct);

        var e = result.Error!;
        Assert.Equal(GraphError.TransportFailureCode, e.Code);
        Assert.Equal("connection refused", e.Message);
        Assert.Null(e.HttpStatus);
        Assert.Equal(ErrorClass.RetryLater, e.Class);
        Assert.False(e.MayHaveBeenSent);
        AssertNoToken(e);
    }

    [Fact]
    public async Task Caller_cancellation_throws()
    {
        var requestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var graph = await FakeGraph.StartAsync(async (ctx, _) =>
        {
            requestArrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var send = client.SendAsync(OutboundMessage.Text("5511999990000", "hi"), null, cts.Token);
        await requestArrived.Task.WaitAsync(Ct);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    // ---- media -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Upload_sends_the_multipart_shape_meta_expects()
    {
        await using var graph = await FakeGraph.StartAsync(200, Fixture.Read("media-upload-response.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;
        var bytes = Encoding.UTF8.GetBytes("%PDF-1.4 fake");
        using var stream = new MemoryStream(bytes);

        var result = await client.UploadMediaAsync(stream, "relatório.pdf", "application/pdf", Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal("1037543291543636", result.Value);
        var req = Assert.Single(graph.Requests);
        Assert.Equal("POST", req.Method);
        Assert.Equal($"/v23.0/{PhoneId}/media", req.Path);
        Assert.Equal($"Bearer {Token}", req.Authorization);
        Assert.StartsWith("multipart/form-data", req.ContentType, StringComparison.Ordinal);
        Assert.Equal("whatsapp", req.FormFields["messaging_product"]);
        Assert.Equal("application/pdf", req.FormFields["type"]);
        var file = Assert.Single(req.Files);
        Assert.Equal("file", file.Name);
        Assert.Equal("relatório.pdf", file.FileName);
        Assert.Equal("application/pdf", file.ContentType);
        Assert.Equal(bytes, file.Content);
        Assert.True(stream.CanRead, "the caller's stream must not be disposed");
    }

    [Fact]
    public async Task Get_media_returns_the_url_record()
    {
        const string response = """
            {"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
             "mime_type":"image/jpeg","sha256":"abc123","file_size":303833,"id":"1037543291543636"}
            """;
        await using var graph = await FakeGraph.StartAsync(200, response);
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.GetMediaAsync("1037543291543636", Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(new MediaInfo("1037543291543636", "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", "image/jpeg", "abc123", 303833), result.Value);
        var req = Assert.Single(graph.Requests);
        Assert.Equal("GET", req.Method);
        Assert.Equal("/v23.0/1037543291543636", req.Path);
        Assert.Equal($"?phone_number_id={PhoneId}", req.Query);
        Assert.Equal($"Bearer {Token}", req.Authorization);
    }

    // ---- templates -------------------------------------------------------------------------------------------

    [Fact]
    public async Task Template_listing_follows_paging_next()
    {
        // Page 2 uses the components of Meta's "Seasonal promotion" template and a named-parameter body.
        const string page2 = """
            {"data":[
              {"name":"seasonal_promotion","language":"en_US","status":"APPROVED","category":"MARKETING","id":"2001",
               "parameter_format":"POSITIONAL",
               "components":[
                 {"type":"HEADER","format":"TEXT","text":"Our {{1}} is on!"},
                 {"type":"BODY","text":"Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise."},
                 {"type":"FOOTER","text":"Use the buttons below to manage your marketing subscriptions"},
                 {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Unsubscribe from Promos"},
                                              {"type":"QUICK_REPLY","text":"Unsubscribe from All"},
                                              {"type":"URL","text":"Shop","url":"https://example.com/{{1}}"}]}]},
              {"name":"order_confirmation","language":"pt_BR","status":"PAUSED","category":"UTILITY","id":"2002",
               "parameter_format":"NAMED",
               "components":[{"type":"BODY","text":"Olá {{first_name}}, pedido {{order_number}}. Obrigado, {{first_name}}!"}]}],
             "paging":{"cursors":{"before":"B2","after":"A2"}}}
            """;
        var page1 = Fixture.Node("template-list-response.json");
        FakeGraph? graphRef = null;
        await using var graph = await FakeGraph.StartAsync((ctx, req) =>
            req.Query.Contains("after=A1", StringComparison.Ordinal)
                ? FakeGraph.RespondAsync(ctx, 200, page2)
                : FakeGraph.RespondAsync(ctx, 200, WithNext(page1, new Uri(graphRef!.BaseUri, $"/v23.0/{Waba}/message_templates?limit=100&after=A1"))));
        graphRef = graph;
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.ListTemplatesAsync(Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var templates = result.Value;
        Assert.Equal(
            ["reservation_confirmation", "coupon_expiration_reminder_number_vars", "coupon_expiration_reminder_named_vars",
             "address_update", "reservation_confirmation_short_banner", "seasonal_promotion", "order_confirmation"],
            templates.Select(t => t.Name));
        Assert.Equal("1387372356726668", templates[0].Id);
        Assert.Equal("UTILITY", templates[0].Category);
        Assert.True(templates[0].IsApproved);
        Assert.False(templates[3].IsApproved); // PENDING

        var promo = templates[5];
        Assert.Equal("en_US", promo.Language);
        Assert.Equal("TEXT", promo.HeaderFormat);
        Assert.Equal(1, promo.HeaderParameterCount);
        Assert.Equal(3, promo.BodyParameterCount);
        Assert.Equal(2, promo.QuickReplyCount);
        Assert.Equal(
            [new TemplateButtonInfo("QUICK_REPLY", "Unsubscribe from Promos", null),
             new TemplateButtonInfo("QUICK_REPLY", "Unsubscribe from All", null),
             new TemplateButtonInfo("URL", "Shop", "https://example.com/{{1}}")],
            promo.Buttons);

        var named = templates[6];
        Assert.Equal("NAMED", named.ParameterFormat);
        Assert.Equal(2, named.BodyParameterCount);
        Assert.Equal(["first_name", "order_number"], named.BodyParameterNames);
        Assert.Equal("PAUSED", named.Status);

        var requests = graph.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.Equal($"/v23.0/{Waba}/message_templates", r.Path));
        Assert.All(requests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
        Assert.Contains("fields=name,language,status,category", requests[0].Query, StringComparison.Ordinal);
        Assert.Contains("after=A1", requests[1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_paging_to_another_host_is_not_followed()
    {
        // The fixture's own paging.next points to graph.facebook.com, not to the configured (loopback) host:
        // following it would send the token elsewhere.
        await using var graph = await FakeGraph.StartAsync(200, Fixture.Read("template-list-response.json"));
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.ListTemplatesAsync(Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(ErrorClass.Permanent, result.Error.Class);
        Assert.Contains("paging.next", result.Error.Message);
        Assert.Single(graph.Requests);
    }

    [Fact]
    public async Task Template_paging_loop_is_stopped()
    {
        FakeGraph? graphRef = null;
        await using var graph = await FakeGraph.StartAsync((ctx, _) => FakeGraph.RespondAsync(ctx, 200,
            WithNext(JsonNode.Parse("""{"data":[]}""")!, new Uri(graphRef!.BaseUri, $"/v23.0/{Waba}/message_templates?after=same"))));
        graphRef = graph;
        var (client, http) = Client(graph.BaseUri);
        using var _ = http;

        var result = await client.ListTemplatesAsync(Ct);

        Assert.False(result.IsSuccess);
        Assert.Equal(2, graph.Requests.Count);
    }

    [Fact]
    public async Task Template_listing_without_business_account_is_a_configuration_error()
    {
        using var http = new HttpClient();
        var client = new WhatsAppCloudClient(http, new WhatsAppClientOptions { AccessToken = Token, PhoneNumberId = PhoneId });
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ListTemplatesAsync(Ct));
    }

    [Theory]
    [InlineData("Hi {{1}}, {{2}} and {{1}} again", new[] { "1", "2" })]
    [InlineData("{{ first_name }} {{last_name}}", new[] { "first_name", "last_name" })]
    [InlineData("no placeholders {1} {{}}", new string[0])]
    public void Placeholders_are_distinct_in_order(string text, string[] expected) =>
        Assert.Equal(expected, WhatsAppCloudClient.Placeholders(text));

    // ---- options ---------------------------------------------------------------------------------------------

    [Fact]
    public void Options_never_print_the_token()
    {
        var options = new WhatsAppClientOptions { AccessToken = Token, PhoneNumberId = PhoneId };
        var text = options.ToString();
        Assert.DoesNotContain(Token, text);
        Assert.Contains("[redacted]", text);
        Assert.Contains(PhoneId, text);
        Assert.Equal("https://graph.facebook.com", options.GraphBaseUrl);
        Assert.Equal("v23.0", options.ApiVersion);
    }

    [Fact]
    public void Missing_settings_are_rejected_without_echoing_the_token()
    {
        using var http = new HttpClient();
        var e = Assert.Throws<ArgumentException>(() =>
            new WhatsAppCloudClient(http, new WhatsAppClientOptions { AccessToken = Token, PhoneNumberId = " " }));
        Assert.Contains("PhoneNumberId", e.Message);
        Assert.DoesNotContain(Token, e.Message);
        Assert.Throws<ArgumentException>(() =>
            new WhatsAppCloudClient(http, new WhatsAppClientOptions { AccessToken = "", PhoneNumberId = PhoneId }));
    }

    private static string WithNext(JsonNode page, Uri next)
    {
        var copy = page.DeepClone();
        copy["paging"] = new JsonObject { ["cursors"] = new JsonObject { ["before"] = "B1", ["after"] = "A1" }, ["next"] = next.ToString() };
        return copy.ToJsonString();
    }
}
