using System.Globalization;
using System.Text;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Bench;

public enum EventKind
{
    Tap,
    Text,
    Status,
}

/// <summary>
/// Webhook bodies for the ingest load, one event per body, shaped like Meta's samples. Event <c>e</c> is fully
/// determined by its number, so a duplicate can be rebuilt byte for byte (Meta's retry) or re-encoded with
/// different whitespace (the same event in another delivery, which only the worker's dedupe key catches).
/// Mix: 30% taps (template quick-reply <c>button</c>), 10% texts, 60% statuses.
/// </summary>
public sealed class IngestPayloads(string runId)
{
    private const long BaseTime = 1_767_000_000;
    private static readonly string[] Statuses = ["sent", "delivered", "read"];

    public static EventKind Kind(long e) => (Mix(e) % 100) switch
    {
        < 30 => EventKind.Tap,
        < 40 => EventKind.Text,
        _ => EventKind.Status,
    };

    /// <summary>The Interactions.DedupeKey hubix must record for event e (msg:wamid, or status:wamid:status).</summary>
    public string DedupeKey(long e) => Kind(e) switch
    {
        EventKind.Status => $"status:{StatusWamid(e)}:{Statuses[e % 3]}",
        _ => "msg:" + InboundWamid(e),
    };

    public byte[] Body(long e, bool reformatted)
    {
        var phone = (919_000_000_000 + (Mix(e) % 100_000)).ToString(CultureInfo.InvariantCulture);
        var ts = (BaseTime + (e / 1000)).ToString(CultureInfo.InvariantCulture);
        var sp = reformatted ? " " : "";
        var value = Kind(e) switch
        {
            EventKind.Tap =>
                $$$"""
                "contacts":[{"profile":{"name":"Advisor {{{phone}}}"},"wa_id":"{{{phone}}}"}],{{{sp}}}"messages":[{"context":{"from":"15550783881","id":"wamid.bench.tmpl.{{{e % 5000}}}"},"from":"{{{phone}}}","id":"{{{InboundWamid(e)}}}","timestamp":"{{{ts}}}","type":"button","button":{"payload":"pack-{{{e % 7}}}","text":"Unlock today's pack"}}]
                """,
            EventKind.Text =>
                $$$"""
                "contacts":[{"profile":{"name":"Advisor {{{phone}}}"},"wa_id":"{{{phone}}}"}],{{{sp}}}"messages":[{"from":"{{{phone}}}","id":"{{{InboundWamid(e)}}}","timestamp":"{{{ts}}}","type":"text","text":{"body":"what is the nifty outlook {{{e}}}"}}]
                """,
            _ =>
                $$$"""
                "statuses":[{"id":"{{{StatusWamid(e)}}}","status":"{{{Statuses[e % 3]}}}","timestamp":"{{{ts}}}","recipient_id":"{{{phone}}}",{{{sp}}}"biz_opaque_callback_data":"bench-{{{e}}}","pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}}]
                """,
        };
        var json =
            $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"{{{BenchSecrets.BusinessAccountId}}}","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"{{{BenchSecrets.PhoneNumberId}}}"},{{{sp}}}{{{value}}}},"field":"messages"}]}]}
            """;
        return Encoding.UTF8.GetBytes(json);
    }

    public static string Sign(byte[] body) => WebhookSignature.Sign(body, BenchSecrets.AppSecretBytes);

    private string InboundWamid(long e) => $"wamid.bench.{runId}.in.{e}";

    private string StatusWamid(long e) => $"wamid.bench.{runId}.out.{e}";

    /// <summary>A cheap integer hash (splitmix64), so the kind and phone of an event look random but are fixed.</summary>
    public static long Mix(long e)
    {
        var z = (ulong)e + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)((z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFFUL);
    }
}
