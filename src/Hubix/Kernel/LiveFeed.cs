using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;

namespace Hubix.Kernel;

/// <summary>
/// One event on the live feed, sent to every dashboard client as
/// <c>{"type":"tap","at":"2026-...Z","phone":"9198...","data":{...}}</c>.
/// </summary>
/// <param name="Type">
/// What happened. In use: <c>tap</c>, <c>message</c> (inbound chat text or media), <c>status</c>
/// (sent/delivered/read/failed of one of our messages), <c>failure</c> (a failed status), <c>event</c> (other
/// webhook fields), <c>operator_reply</c>, <c>handoff</c>, <c>metrics</c> (the periodic snapshot). Reserved for
/// the other features: <c>delivery</c> (outbox state change), <c>pack</c> (unlock progress), <c>agent</c>
/// (an answer with its intent), <c>daily_run</c> (scheduler start, finish, skips), <c>opt_out</c>, <c>opt_in</c>.
/// </param>
/// <param name="At">When it happened (UTC; Meta's clock for webhook events).</param>
/// <param name="Phone">The advisor's phone, when the event is about one.</param>
/// <param name="Data">Anything JSON-serializable; keep it small (ids, states, codes, short text).</param>
public sealed record LiveEvent(string Type, DateTime At, string? Phone, object? Data = null);

/// <summary>
/// Fan-out of <see cref="LiveEvent"/>s to WebSocket clients. <see cref="Publish"/> never blocks and never
/// throws: it serializes the event once and offers the bytes to each client's bounded buffer. A client whose
/// buffer is full (it reads slower than we publish, or its connection died without closing) is dropped, so
/// no client can slow the webhook, the workers, or the other clients.
/// </summary>
public sealed class LiveFeed(ILogger<LiveFeed> logger)
{
    /// <summary>Buffered events per client before it counts as too slow and is dropped.</summary>
    // 256 was 0.1 s of a 1,000 msg/s fan-out's status events: on 2 busy cores the day bench's reading client was dropped
    // every run. 4,096 events of a few hundred bytes is about 1 MB per client at worst.
    public const int DefaultClientBuffer = 4_096;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly ConcurrentDictionary<long, Subscription> _clients = new();
    private long _nextId;
    private long _published;
    private long _dropped;

    public int ClientCount => _clients.Count;
    public long PublishedCount => Interlocked.Read(ref _published);

    /// <summary>Clients dropped for being too slow, since start.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Carries events to the other replicas (PostgreSQL LISTEN/NOTIFY) and back to this one; null on one process. When
    /// set, <see cref="Publish"/> hands events to it, and it delivers them here with <see cref="DeliverLocal"/>.
    /// </summary>
    public ILiveRelay? Relay { get; set; }

    /// <summary>Offers the event to every client (of every replica, through <see cref="Relay"/>). Cheap when nobody listens; never throws.</summary>
    public void Publish(LiveEvent e) => Publish(e, relay: true);

    /// <summary>Offers the event to this process's clients only (the periodic metrics snapshot: each replica samples its own).</summary>
    public void PublishLocal(LiveEvent e) => Publish(e, relay: false);

    private void Publish(LiveEvent e, bool relay)
    {
        try
        {
            Interlocked.Increment(ref _published);
            var relayTo = relay ? Relay : null;
            if (_clients.IsEmpty && relayTo is null)
            {
                return;
            }

            var bytes = Serialize(e);
            if (relayTo is null || !relayTo.TryRelay(bytes))
            {
                DeliverLocal(bytes);
            }
        }
        catch (Exception ex)
        {
            // A feature's bad Data object must not break the caller (the inbox worker, a request).
            logger.LogWarning(ex, "Live event {Type} could not be published", e.Type);
        }
    }

    /// <summary>An event as it goes on the wire (one JSON object, UTF-8).</summary>
    public static byte[] Serialize(LiveEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Json);

    /// <summary>Offers one serialized event to this process's clients.</summary>
    public void DeliverLocal(byte[] utf8Event)
    {
        foreach (var client in _clients.Values)
        {
            if (!client.Writer.TryWrite(utf8Event))
            {
                Drop(client, "buffer full");
            }
        }
    }

    /// <summary>Drops every client (they reconnect and reload): events were lost on the way to them.</summary>
    public void DropAll(string reason)
    {
        foreach (var client in _clients.Values)
        {
            Drop(client, reason);
        }
    }

    /// <summary>Offers an event to one client only (the latest snapshot to a new client).</summary>
    public void PublishTo(Subscription client, LiveEvent e)
    {
        try
        {
            client.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(e, Json));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Live event {Type} could not be published", e.Type);
        }
    }

    /// <summary>Registers a client. Read <see cref="Subscription.Reader"/>; dispose when the connection ends.</summary>
    public Subscription Subscribe(int buffer = DefaultClientBuffer)
    {
        var id = Interlocked.Increment(ref _nextId);
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Math.Max(1, buffer))
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting: that is our drop signal.
        });
        var subscription = new Subscription(this, id, channel);
        _clients[id] = subscription;
        return subscription;
    }

    private void Drop(Subscription client, string reason)
    {
        if (_clients.TryRemove(client.Id, out _))
        {
            Interlocked.Increment(ref _dropped);
            client.Cancel(); // before completing: the socket's loop must see the drop when its reads end
            client.Writer.TryComplete();
            logger.LogInformation("Live feed client {ClientId} dropped: {Reason}", client.Id, reason);
        }
    }

    private void Remove(Subscription client)
    {
        if (_clients.TryRemove(client.Id, out _))
        {
            client.Writer.TryComplete();
        }
    }

    /// <summary>One connected client: a bounded buffer, and a token cancelled when the feed drops it.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly LiveFeed _feed;
        private readonly Channel<byte[]> _channel;
        private readonly CancellationTokenSource _dropped = new();

        internal Subscription(LiveFeed feed, long id, Channel<byte[]> channel)
        {
            _feed = feed;
            Id = id;
            _channel = channel;
        }

        public long Id { get; }
        public ChannelReader<byte[]> Reader => _channel.Reader;

        /// <summary>Cancelled when the feed dropped this client for being too slow.</summary>
        public CancellationToken Dropped => _dropped.Token;

        internal ChannelWriter<byte[]> Writer => _channel.Writer;

        internal void Cancel()
        {
            try
            {
                _dropped.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already disposed by the connection's end.
            }
        }

        public void Dispose()
        {
            _feed.Remove(this);
            _dropped.Dispose();
        }
    }
}

/// <summary>Carries serialized live events to every replica (including this one); see <see cref="LiveFeed.Relay"/>.</summary>
public interface ILiveRelay
{
    /// <summary>False when the event cannot be relayed now: the caller delivers it to this process's clients only.</summary>
    bool TryRelay(byte[] utf8Event);
}
