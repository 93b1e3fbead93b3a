using System.Text;
using Hubix.Tests.Infrastructure;
using Hubix.Webhooks;

namespace Hubix.Tests.Webhooks;

public class InboxPriorityTests
{
    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(Fixtures.Path(""), "*.json").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Bodies_with_users_messages_come_first_and_status_bodies_after(string sample)
    {
        var body = File.ReadAllBytes(Fixtures.Path(sample));
        Assert.Equal(sample.StartsWith("inbound-", StringComparison.Ordinal) ? 0 : 1, InboxWriter.PriorityOf(body));
    }

    [Theory]
    [InlineData("{\"entry\":[{\"changes\":[{\"value\":{\"messages\" :\n [{}]},\"field\":\"messages\"}]}]}", 0)]
    [InlineData("{\"entry\":[{\"changes\":[{\"value\":{\"statuses\":[{}]},\"field\" : \"messages\"}]}]}", 1)]
    [InlineData("{\"entry\":[{\"changes\":[{\"value\":{\"statuses\":[{}]},\"field\":\"messages\"}]}],\"x\":\"messages\"}", 1)]
    [InlineData("", 1)]
    public void Only_a_messages_key_counts(string json, int expected) =>
        Assert.Equal(expected, InboxWriter.PriorityOf(Encoding.UTF8.GetBytes(json)));
}
