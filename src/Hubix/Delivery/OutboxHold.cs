namespace Hubix.Delivery;

/// <summary>
/// A rule, added by another feature, that a queued row must not be sent now: the dispatcher evaluates every hold inside
/// its claim (one SQL expression per claimed row, no extra round trip) and moves a held row to
/// <see cref="OutboxState.Cancelled"/> with <see cref="Reason"/> instead of calling Meta. The same rule cancels a
/// recipient's queued rows at once (<see cref="Outbox.CancelHeld"/>) when the feature knows it just changed. Register
/// holds as singletons (<c>services.AddSingleton(new OutboxHold(...))</c>); Delivery does not know what they mean.
/// </summary>
/// <param name="Reason">Stored in <see cref="OutboxMessage.ErrorReason"/> of the cancelled row (e.g. <c>opted_out</c>).</param>
/// <param name="Condition">
/// SQL, the same on SQLite and PostgreSQL, that is true when the row must not be sent. Its argument is how to name the
/// outbox row (a quoted table name or alias), e.g. <c>r =&gt; r + ".\"Recipient\" IN (SELECT ...)"</c>. It runs on the hot
/// path: keep it to index seeks.
/// </param>
public sealed record OutboxHold(string Reason, Func<string, string> Condition);
