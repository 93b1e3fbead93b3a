using Hubix.Webhooks;
using Hubix.WhatsApp.Client;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.Dashboard;

/// <summary>
/// Puts every new webhook event on the live feed once its transaction committed: taps, chat messages,
/// statuses (and failures with the catalog's title), other fields. Runs inside the inbox worker, so it only
/// queues an after-commit action and does no I/O.
/// </summary>
internal sealed class LiveInboxHandler(LiveFeed feed) : IInboxHandler
{
    private const int MaxText = 500;

    public Task HandleAsync(InboxBatch batch, WebhookEvent evt, Interaction record, CancellationToken ct)
    {
        var events = new List<LiveEvent>(2);
        switch (record.Direction)
        {
            case "in":
                var tap = MetricsService.TapTypes.Contains(record.Type);
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

        batch.AfterCommit(() =>
        {
            foreach (var e in events)
            {
                feed.Publish(e);
            }
        });
        return Task.CompletedTask;
    }

    private static string? Cut(string? s) => s is null || s.Length <= MaxText ? s : s[..MaxText] + "…";
}
