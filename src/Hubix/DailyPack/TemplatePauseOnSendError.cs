using System.Threading.Channels;
using Hubix.AccountHealth;
using Hubix.Delivery;
using Hubix.WhatsApp.Client;
using Microsoft.Extensions.Options;

namespace Hubix.DailyPack;

/// <summary>
/// A daily template refused with 132015 (paused) or 132016 (disabled) means the template itself cannot be sent: record
/// it in the account health at once, so the next run stops with the reason and an alert, even if the status webhook is
/// late or was never subscribed. Thousands of such failures make one write (the store ignores a status it already has).
/// </summary>
internal sealed class TemplatePauseOnSendError(AccountHealthStore health, IOptions<DailyTemplateOptions> template, ILogger<TemplatePauseOnSendError> logger)
    : BackgroundService, IDeliveryEvents
{
    private readonly Channel<int> _codes = Channel.CreateBounded<int>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropWrite });

    public void OnStateChanged(DeliveryStateChange change)
    {
    }

    public void OnFailed(DeliveryStateChange change)
    {
        if (change.Purpose == OutboxPurpose.Daily && change.ErrorClass == ErrorClass.TemplateUnavailable && change.ErrorCode is { } code)
        {
            _codes.Writer.TryWrite(code);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var code in _codes.Reader.ReadAllAsync(stoppingToken))
        {
            var t = template.Value;
            try
            {
                await health.RecordSendErrorAsync(t.Name, t.Language, code == 132016 ? "DISABLED" : "PAUSED", code, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Recording that template {Template} is unavailable ({Code}) failed", t.Name, code);
            }
        }
    }
}
