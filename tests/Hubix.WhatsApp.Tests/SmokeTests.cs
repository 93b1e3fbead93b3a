namespace Hubix.WhatsApp.Tests;

public class SmokeTests
{
    [Fact]
    public void Fixtures_are_copied() => Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "Fixtures", "inbound-text.json")));
}
