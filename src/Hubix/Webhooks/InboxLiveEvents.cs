using Hubix.WhatsApp.Client;

namespace Hubix.Webhooks;

/// <summary>
/// What the inbox worker puts on the live feed once a batch committed: taps, chat messages, statuses (and failures
/// with the catalog's title), other fields. The writer publishes its own changes; nobody tails the table.
/// </summary>
internal static class InboxLiveEvents
{
    private const int MaxText = 500;

    public static void AddTo(List<LiveEvent> events, Interaction record)
    {
        switch (record.Direction)
        {
            case "in":
                var tap = Interaction.TapTypes.Contains(record.Type);
                events.Add(new LiveEvent(tap ? "tap" : "message", record.At, record.Phone, new
                {
                    kind = record.Type,
                    text = Cut(record.Text),
                    payload = Cut(record.Payload),
                    wamid = record.WaMessageId,
                    context = record.Context,
                }));
                break;
            case "status":
                var data = new
                {
                    status = record.Type,
                    wamid = record.WaMessageId,
                    outboxId = record.Context,
                    errorCode = record.ErrorCode,
                    error = record.ErrorCode is { } code ? ErrorCatalog.Describe(code).Title : null,
                    errorDetails = Cut(record.ErrorDetails),
                };
                events.Add(new LiveEvent("status", record.At, record.Phone, data));
                if (record.Type == "failed")
                {
                    events.Add(new LiveEvent("failure", record.At, record.Phone, data));
                }

                break;
            default:
                events.Add(new LiveEvent("event", record.At, record.Phone, new { field = record.Type, summary = Cut(record.Payload) }));
                break;
        }
    }

    private static string? Cut(string? s) => s is null || s.Length <= MaxText ? s : s[..MaxText] + "…";
}
