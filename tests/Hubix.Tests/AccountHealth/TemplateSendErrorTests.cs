using Hubix.AccountHealth;
using Hubix.Delivery;
using Hubix.Tests.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;

namespace Hubix.Tests.AccountHealth;

/// <summary>A daily template refused with 132015 marks the template paused at once, once, whatever the webhooks say.</summary>
public class TemplateSendErrorTests
{
    [Fact]
    public async Task Daily_sends_refused_with_132015_record_the_template_paused_once()
    {
        await using var kit = await DeliveryKit.StartAsync("Sqlite");
        kit.Stub.Script = _ => new StubError(132015, "(#132015) Template is paused", "Template is paused due to low quality so it cannot be sent in a template message.");
        var requests = Enumerable.Range(1, 5).Select(i => new OutboxRequest(
            OutboundMessage.Template($"+9198000000{i:D2}", "daily_content_ready_v1", "en", ["a", "b", "c"], ["RETRIEVE_CONTENT:x"]),
            $"daily:{i}", OutboxPurpose.Daily, OutboxPriority.Background)).ToArray();
        var ids = await kit.EnqueueAsync(requests);
        foreach (var id in ids)
        {
            await kit.WaitForStateAsync(id, OutboxState.Failed);
        }

        await using var ctx = kit.Host.Db.CreateDbContext();
        await HubixTestHost.EventuallyAsync(async () => await ctx.Set<TemplateHealth>().AnyAsync(t => t.Status == "PAUSED", TestContext.Current.CancellationToken), "the template marked paused");
        var t = await ctx.Set<TemplateHealth>().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(("daily_content_ready_v1", "en", "send error 132015"), (t.Name, t.Language, t.StatusReason));
        await Task.Delay(300, TestContext.Current.CancellationToken); // any late duplicates would have been written by now
        Assert.Equal(1, await ctx.Set<AccountEvent>().CountAsync(e => e.Field == "send_error", TestContext.Current.CancellationToken));
    }
}
