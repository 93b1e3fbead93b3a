using System.Globalization;

namespace Hubix.WhatsApp.Messages;

/// <summary>One reason a message would be rejected. <see cref="Field"/> is the JSON path in Meta's request body.</summary>
public sealed record MessageProblem(string Field, string Problem)
{
    public override string ToString() => $"{Field}: {Problem}";
}

/// <summary>Collects <see cref="MessageProblem"/>s; the limits are Meta's (REFERENCE §7) unless the message says "our rule".</summary>
internal sealed class ProblemList
{
    private readonly List<MessageProblem> _problems = [];

    public IReadOnlyList<MessageProblem> Problems => _problems;

    public void Add(string field, string problem) => _problems.Add(new MessageProblem(field, problem));

    /// <summary>Lengths are counted in UTF-16 code units (string.Length), which is never less than the number of
    /// characters Meta counts, so a value that passes here is not too long for Meta.</summary>
    public void MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            Add(field, string.Create(CultureInfo.InvariantCulture, $"is {value.Length} characters long; the limit is {max}."));
        }
    }

    public void Required(string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required and must not be empty.");
            return;
        }
        MaxLength(field, value, max);
    }

    public void Optional(string field, string? value, int max)
    {
        if (value is not null && value.Length == 0)
        {
            Add(field, "must be left out (null) rather than empty.");
            return;
        }
        MaxLength(field, value, max);
    }
}
