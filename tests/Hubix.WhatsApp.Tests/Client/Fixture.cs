using System.Text.Json.Nodes;

namespace Hubix.WhatsApp.Tests.Client;

internal static class Fixture
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static JsonNode Node(string name) => JsonNode.Parse(Read(name))!;

    /// <summary>Structural JSON equality with a readable failure.</summary>
    public static void AssertJsonEqual(JsonNode expected, string actualJson)
    {
        var actual = JsonNode.Parse(actualJson);
        Assert.True(JsonNode.DeepEquals(expected, actual),
            $"JSON differs.\nexpected: {expected.ToJsonString()}\nactual:   {actual?.ToJsonString()}");
    }
}
