using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox.Phones;

/// <summary>Status of a message sent to a phone; only moves forward (a late <c>delivered</c> never undoes <c>read</c>).</summary>
internal enum MessageStatus { Accepted = 0, Sent = 1, Delivered = 2, Read = 3, Failed = 4 }

/// <summary>A reply button, a quick-reply button of a template, or a list row.</summary>
internal sealed record ButtonInfo(string? Id, string Title, string? Payload = null, string? Description = null);

/// <summary>One entry of a phone's chat, in either direction.</summary>
internal abstract class ChatEntry(string id, string type, DateTimeOffset at)
{
    public string Id { get; } = id;
    public string Type { get; } = type;
    public DateTimeOffset At { get; } = at;
    public string? Text { get; init; }
    public string? Caption { get; init; }
}

/// <summary>A message the business sent to the phone.</summary>
internal sealed class OutboundMessage(string id, string type, DateTimeOffset at, Phone phone) : ChatEntry(id, type, at)
{
    private int _status;
    private int _readEmitted;

    public Phone Phone { get; } = phone;
    public required string Input { get; init; }
    public string? Link { get; init; }
    public string? MediaId { get; init; }
    public string? Filename { get; init; }
    public string? TemplateName { get; init; }
    public string? TemplateLanguage { get; init; }
    public IReadOnlyList<string> Parameters { get; init; } = [];
    public IReadOnlyList<ButtonInfo> Buttons { get; init; } = [];
    public string? InteractiveType { get; init; }
    public string? ListButton { get; init; }
    public string? Header { get; init; }
    public string? Footer { get; init; }
    public string? BizOpaqueCallbackData { get; init; }
    public string? ContextMessageId { get; init; }

    /// <summary>Needs an open customer service window (everything but templates).</summary>
    public bool NeedsWindow => TemplateName is null;

    public required string PricingType { get; init; }
    public required string PricingCategory { get; init; }
    public required string ConversationId { get; init; }

    public MessageStatus Status => (MessageStatus)Volatile.Read(ref _status);

    /// <summary>Moves the status forward; false when it already is at or past <paramref name="next"/>.</summary>
    public bool Advance(MessageStatus next)
    {
        while (true)
        {
            var current = Volatile.Read(ref _status);
            if (current == (int)MessageStatus.Failed || current >= (int)next && next != MessageStatus.Failed) return false;
            if (next == MessageStatus.Failed && current >= (int)MessageStatus.Delivered) return false;
            if (Interlocked.CompareExchange(ref _status, (int)next, current) == current) return true;
        }
    }

    /// <summary>True once: whoever gets true emits the <c>read</c> status.</summary>
    public bool ClaimRead() => Interlocked.Exchange(ref _readEmitted, 1) == 0;
}

/// <summary>A message the phone sent to the business.</summary>
internal sealed class InboundMessage(string id, string type, DateTimeOffset at) : ChatEntry(id, type, at)
{
    public string? ContextId { get; init; }
    public string? Payload { get; init; }
    public string? ReplyId { get; init; }
    public string? MediaId { get; init; }
    public string? MimeType { get; init; }
    public bool ReadByBusiness { get; set; }
}

/// <summary>A simulated phone: its chat in order, its window and its pair-rate bucket.</summary>
internal sealed class Phone(string waId, string name, RateBucket pairBucket)
{
    private readonly Lock _gate = new();
    private readonly List<ChatEntry> _chat = [];
    private long _windowUntilTicks;
    private int _received;

    public string WaId { get; } = waId;
    public string Name { get; } = name;
    public RateBucket PairBucket { get; } = pairBucket;
    public int Received => Volatile.Read(ref _received);

    public DateTimeOffset? WindowOpenUntil
    {
        get
        {
            var t = Volatile.Read(ref _windowUntilTicks);
            return t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero);
        }
    }

    public bool IsWindowOpen(DateTimeOffset now) => Volatile.Read(ref _windowUntilTicks) > now.UtcTicks;

    public void OpenWindow(DateTimeOffset until)
    {
        while (true)
        {
            var current = Volatile.Read(ref _windowUntilTicks);
            if (current >= until.UtcTicks) return;
            if (Interlocked.CompareExchange(ref _windowUntilTicks, until.UtcTicks, current) == current) return;
        }
    }

    /// <summary>Appends an entry; returns the entries evicted to stay within <paramref name="max"/>.</summary>
    public List<ChatEntry>? Add(ChatEntry entry, int max)
    {
        List<ChatEntry>? evicted = null;
        lock (_gate)
        {
            _chat.Add(entry);
            if (entry is OutboundMessage) _received++;
            if (_chat.Count > max)
            {
                var drop = _chat.Count - max;
                evicted = _chat.GetRange(0, drop);
                _chat.RemoveRange(0, drop);
                _received -= evicted.Count(e => e is OutboundMessage);
            }
        }
        return evicted;
    }

    public ChatEntry[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _chat];
        }
    }
}

/// <summary>All phones, and every message by wamid.</summary>
internal sealed class PhoneBook
{
    private readonly IOptions<SandboxOptions> _options;
    private readonly TimeProvider _time;
    private ConcurrentDictionary<string, Phone> _phones = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, ChatEntry> _messages = new(StringComparer.Ordinal);

    public PhoneBook(IOptions<SandboxOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        Seed();
    }

    public ICollection<Phone> Phones => _phones.Values;

    public Phone? Find(string phone) => PhoneNumbers.Normalize(phone) is { } waId && _phones.TryGetValue(waId, out var p) ? p : null;

    public Phone GetOrAdd(string waId, string? name = null) =>
        _phones.GetOrAdd(waId, static (id, state) => new Phone(
            id,
            state.name ?? "Sandbox " + id[Math.Max(0, id.Length - 4)..],
            new RateBucket(state.self._options.Value.PairRate.Interval, state.self._options.Value.PairRate.Burst)), (self: this, name));

    public ChatEntry? FindMessage(string id) => _messages.TryGetValue(id, out var m) ? m : null;

    public void Add(Phone phone, ChatEntry entry)
    {
        _messages[entry.Id] = entry;
        if (phone.Add(entry, _options.Value.MaxMessagesPerPhone) is { } evicted)
        {
            foreach (var e in evicted) _messages.TryRemove(e.Id, out _);
        }
    }

    public void Reset()
    {
        _phones = new(StringComparer.Ordinal);
        _messages = new(StringComparer.Ordinal);
        Seed();
    }

    private void Seed()
    {
        var now = _time.GetUtcNow();
        foreach (var p in _options.Value.Phones)
        {
            var phone = GetOrAdd(PhoneNumbers.Normalize(p.Phone)!, p.Name);
            if (p.WindowOpen) phone.OpenWindow(now + _options.Value.Window);
        }
    }
}
