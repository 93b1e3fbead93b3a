using Hubix.Data;
using System.Globalization;
using Hubix.Delivery;
using Hubix.Tests.Infrastructure;
using Hubix.WhatsApp.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace Hubix.Tests.Delivery;

/// <summary>A Hubix host wired to a <see cref="GraphStub"/>, on fake time, plus helpers to enqueue and to move time.</summary>
public sealed class DeliveryKit : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 5, 0, 0, TimeSpan.Zero);

    private DeliveryKit(TestDatabase database, GraphStub stub, HubixTestHost host, FakeTimeProvider time, RecordingListener events)
    {
        Database = database;
        Stub = stub;
        Host = host;
        Time = time;
        Events = events;
    }

    public TestDatabase Database { get; }
    public GraphStub Stub { get; }
    public HubixTestHost Host { get; }
    public FakeTimeProvider Time { get; }
    public RecordingListener Events { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string[] FastArgs =>
    [
        "--Hubix:Delivery:IdlePoll=00:00:00.020",
        "--Hubix:Delivery:ShutdownWait=00:00:05",
    ];

    public static async Task<DeliveryKit> StartAsync(string provider, IEnumerable<string>? extraArgs = null, TestDatabase? database = null, GraphStub? stub = null, FakeTimeProvider? time = null)
    {
        database ??= await TestDatabase.CreateAsync(provider);
        stub ??= await GraphStub.StartAsync();
        time ??= new FakeTimeProvider(Start);
        var events = new RecordingListener();
        var host = await HubixTestHost.StartAsync(database, [.. stub.HostArgs, .. FastArgs, .. extraArgs ?? []], time,
            b => b.Services.AddSingleton<IDeliveryEvents>(events));
        return new DeliveryKit(database, stub, host, time, events);
    }

    public DateTime Now => Time.GetUtcNow().UtcDateTime;

    public static OutboxRequest Text(string to, string key, string? group = null, int position = 0, DateTime? expiresAt = null) =>
        new(OutboundMessage.Text(to, "hello " + key), key, OutboxPurpose.Unlock, position == 0 ? OutboxPriority.Waiting : OutboxPriority.Background,
            group, position, expiresAt);

    /// <summary>Enqueues and commits in a unit of work, as a feature does (the outbox wakes the dispatcher after the commit).</summary>
    public async Task<List<long>> EnqueueAsync(params OutboxRequest[] requests)
    {
        await using var work = await UnitOfWork.BeginAsync(Host.Db, Now, Ct);
        var rows = await Host.Services.GetRequiredService<Outbox>().EnqueueAsync(work, requests, Ct);
        await work.CommitAsync(Ct);
        return rows.Select(r => r.Id).ToList();
    }

    public async Task<OutboxMessage> RowAsync(long id)
    {
        await using var ctx = Host.Db.CreateDbContext();
        return await ctx.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.Id == id, Ct);
    }

    public async Task<List<OutboxMessage>> RowsAsync()
    {
        await using var ctx = Host.Db.CreateDbContext();
        return await ctx.Set<OutboxMessage>().AsNoTracking().OrderBy(o => o.Id).ToListAsync(Ct);
    }

    public Task WaitForStateAsync(long id, OutboxState state, string? what = null) =>
        HubixTestHost.EventuallyAsync(async () => (await RowAsync(id)).State == state, what ?? $"outbox {id} to be {state}");

    /// <summary>Moves fake time in steps until the condition holds (the dispatcher polls every 20 ms of real time).</summary>
    public async Task AdvanceUntilAsync(TimeSpan step, Func<Task<bool>> condition, string what, int maxSteps = 200)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (await condition())
            {
                return;
            }

            Time.Advance(step);
            await Task.Delay(40, Ct);
        }

        Assert.Fail($"Timed out (fake time) waiting for: {what}");
    }

    /// <summary>A status webhook as Meta sends it.</summary>
    public static string StatusWebhook(string wamid, string status, long timestamp, long? outboxId = null, string recipient = "16505551234", int? errorCode = null)
    {
        var callback = outboxId is null ? "" : FormattableString.Invariant($",\"biz_opaque_callback_data\":\"{outboxId}\"");
        var errors = errorCode is null ? "" : FormattableString.Invariant(
            $",\"errors\":[{{\"code\":{errorCode},\"title\":\"Re-engagement message\",\"message\":\"Re-engagement message\",\"error_data\":{{\"details\":\"Message failed to send because more than 24 hours have passed since the customer last replied to this number.\"}}}}]");
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\",\"value\":{" +
            "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":\"106540352242922\"}," +
            "\"statuses\":[{\"id\":\"" + wamid + "\",\"status\":\"" + status + "\",\"timestamp\":\"" + timestamp.ToString(CultureInfo.InvariantCulture) +
            "\",\"recipient_id\":\"" + recipient + "\"" + callback + errors + "}]}}]}]}";
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Stub.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Records what <see cref="IDeliveryEvents"/> listeners hear.</summary>
public sealed class RecordingListener : IDeliveryEvents
{
    public System.Collections.Concurrent.ConcurrentQueue<DeliveryStateChange> Changes { get; } = new();
    public System.Collections.Concurrent.ConcurrentQueue<DeliveryStateChange> Failures { get; } = new();

    public void OnStateChanged(DeliveryStateChange change) => Changes.Enqueue(change);

    public void OnFailed(DeliveryStateChange change) => Failures.Enqueue(change);
}
