using System.Text.Json;
using Hubix.Sandbox.Graph;
using Hubix.Sandbox.Webhooks;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Phones;

/// <summary>Outcome of a control-API action on a phone: the inbound wamid, or an HTTP status with a reason.</summary>
internal sealed record PhoneActionResult(InboundMessage? Message, int Status = 200, string? Error = null)
{
    public static PhoneActionResult Fail(int status, string error) => new(null, status, error);
}

/// <summary>The sandbox's core: accepts sends (limits, window, statuses) and plays the phones' side (taps, texts, images).</summary>
internal sealed class SandboxService(
    IOptions<SandboxOptions> options,
    TimeProvider time,
    PhoneBook phones,
    StatusEngine statuses,
    WebhookDispatcher webhooks,
    FaultInjector faults,
    SandboxStats stats,
    MediaStore media,
    DelayScheduler scheduler)
{
    private readonly SandboxOptions _o = options.Value;
    private RateBucket _throughput = RateBucket.PerSecond(options.Value.MessagesPerSecond);

    /// <summary>Applies the throughput and pair-rate limits, then accepts the message and starts its statuses.</summary>
    public GraphError? Send(SendDraft d, out OutboundMessage? message)
    {
        message = null;
        var now = time.GetUtcNow();
        if (!Volatile.Read(ref _throughput).TryTake(now.UtcTicks)) return GraphError.Throughput();
        var phone = phones.GetOrAdd(d.WaId);
        if (!phone.PairBucket.TryTake(now.UtcTicks)) return GraphError.PairRate();
        var windowOpen = phone.IsWindowOpen(now);
        string pricingType, category;
        if (d.Template is { } t)
        {
            category = t.Category.ToLowerInvariant();
            pricingType = windowOpen && category == "utility" ? "free_customer_service" : "regular";
        }
        else
        {
            category = "service";
            pricingType = "free_customer_service";
        }
        var m = new OutboundMessage(Ids.NewWamid(d.WaId), d.Type, now, phone)
        {
            Input = d.To,
            Text = d.Text,
            Caption = d.Caption,
            Link = d.Link,
            MediaId = d.MediaId,
            Filename = d.Filename,
            TemplateName = d.Template?.Name,
            TemplateLanguage = d.Template?.Language,
            Parameters = d.Parameters,
            Buttons = d.Buttons,
            InteractiveType = d.InteractiveType,
            ListButton = d.ListButton,
            Header = d.Header,
            Footer = d.Footer,
            BizOpaqueCallbackData = d.BizOpaqueCallbackData,
            ContextMessageId = d.ContextMessageId,
            PricingType = pricingType,
            PricingCategory = category,
            ConversationId = Ids.NewHex(32),
        };
        phones.Add(phone, m);
        stats.OnAccepted();
        statuses.OnAccepted(m, windowOpen);
        message = m;
        return null;
    }

    /// <summary>The business marks an inbound message as read.</summary>
    public bool MarkRead(string messageId)
    {
        if (phones.FindMessage(messageId) is not InboundMessage m) return false;
        m.ReadByBusiness = true;
        return true;
    }

    public PhoneActionResult Text(string phoneNumber, string body)
    {
        if (PhoneNumbers.Normalize(phoneNumber) is not { } waId) return PhoneActionResult.Fail(400, "not a phone number");
        if (string.IsNullOrEmpty(body)) return PhoneActionResult.Fail(400, "body is required");
        var phone = phones.GetOrAdd(waId);
        var m = new InboundMessage(Ids.NewWamid(waId), "text", time.GetUtcNow()) { Text = body };
        Receive(phone, m, w =>
        {
            w.WriteStartObject("text");
            w.WriteString("body", body);
            w.WriteEndObject();
        });
        return new PhoneActionResult(m);
    }

    public PhoneActionResult Media(string phoneNumber, string type, string? caption, string? mimeType, byte[]? bytes, string? filename, string origin)
    {
        if (PhoneNumbers.Normalize(phoneNumber) is not { } waId) return PhoneActionResult.Fail(400, "not a phone number");
        var phone = phones.GetOrAdd(waId);
        bytes ??= type == "image" ? PlaceholderPng : "%PDF-1.4\n% Hubix sandbox placeholder\n"u8.ToArray();
        mimeType ??= type == "image" ? "image/png" : "application/pdf";
        if (type == "document") filename ??= "document.pdf";
        var item = media.Add(mimeType, bytes, filename);
        var url = media.UrlFor(item, origin);
        var m = new InboundMessage(Ids.NewWamid(waId), type, time.GetUtcNow()) { Caption = caption, MediaId = item.Id, MimeType = mimeType };
        Receive(phone, m, w =>
        {
            w.WriteStartObject(type);
            if (caption is not null) w.WriteString("caption", caption);
            if (filename is not null && type == "document") w.WriteString("filename", filename);
            w.WriteString("mime_type", mimeType);
            w.WriteString("sha256", item.Sha256);
            w.WriteString("id", item.Id);
            w.WriteString("url", url);
            w.WriteEndObject();
        });
        return new PhoneActionResult(m);
    }

    /// <summary>A tap on a template quick-reply button, a reply button, or a list row of a message the phone received.</summary>
    public PhoneActionResult Tap(string phoneNumber, string messageId, string button)
    {
        var phone = phones.Find(phoneNumber);
        if (phone is null) return PhoneActionResult.Fail(404, $"unknown phone '{phoneNumber}'");
        if (phones.FindMessage(messageId) is not OutboundMessage target || !ReferenceEquals(target.Phone, phone))
        {
            return PhoneActionResult.Fail(404, $"phone {phone.WaId} has no message '{messageId}'");
        }
        if (target.Status == MessageStatus.Failed) return PhoneActionResult.Fail(409, "the phone never received that message (it failed)");
        if (target.Buttons.Count == 0) return PhoneActionResult.Fail(400, "that message has no buttons");
        var index = FindButton(target.Buttons, button);
        if (index < 0)
        {
            return PhoneActionResult.Fail(400, $"no button '{button}'; buttons are: " + string.Join(", ", target.Buttons.Select((b, i) => $"{i}: {b.Title}")));
        }
        var b = target.Buttons[index];
        var now = time.GetUtcNow();
        InboundMessage m;
        Action<Utf8JsonWriter> write;
        if (target.TemplateName is not null)
        {
            var payload = b.Payload ?? b.Title;
            m = new InboundMessage(Ids.NewWamid(phone.WaId), "button", now) { Text = b.Title, Payload = payload, ContextId = target.Id };
            write = w =>
            {
                w.WriteStartObject("button");
                w.WriteString("payload", payload);
                w.WriteString("text", b.Title);
                w.WriteEndObject();
            };
        }
        else
        {
            var kind = target.InteractiveType == "list" ? "list_reply" : "button_reply";
            m = new InboundMessage(Ids.NewWamid(phone.WaId), "interactive", now) { Text = b.Title, ReplyId = b.Id, ContextId = target.Id };
            write = w =>
            {
                w.WriteStartObject("interactive");
                w.WriteString("type", kind);
                w.WriteStartObject(kind);
                w.WriteString("id", b.Id);
                w.WriteString("title", b.Title);
                if (b.Description is not null) w.WriteString("description", b.Description);
                w.WriteEndObject();
                w.WriteEndObject();
            };
        }
        statuses.EmitRead(target);
        Receive(phone, m, write);
        return new PhoneActionResult(m);
    }

    public void Reset()
    {
        webhooks.Reset();
        scheduler.CancelAll();
        phones.Reset();
        media.Reset();
        faults.Reset();
        stats.Reset();
        Volatile.Write(ref _throughput, RateBucket.PerSecond(_o.MessagesPerSecond));
    }

    private static int FindButton(IReadOnlyList<ButtonInfo> buttons, string button)
    {
        for (var i = 0; i < buttons.Count; i++)
        {
            if (string.Equals(buttons[i].Title, button, StringComparison.Ordinal) || string.Equals(buttons[i].Id, button, StringComparison.Ordinal)) return i;
        }
        for (var i = 0; i < buttons.Count; i++)
        {
            if (string.Equals(buttons[i].Title, button, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return int.TryParse(button, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < buttons.Count ? n : -1;
    }

    private void Receive(Phone phone, InboundMessage m, Action<Utf8JsonWriter> writeBody)
    {
        phone.OpenWindow(m.At + _o.Window);
        phones.Add(phone, m);
        stats.OnInbound();
        webhooks.EnqueueMessage(WebhookPayloads.Inbound(_o, phone, m, writeBody));
    }

    /// <summary>A 1×1 PNG used when a simulated phone sends an image without bytes.</summary>
    private static readonly byte[] PlaceholderPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}
