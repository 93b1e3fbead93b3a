using System.Security.Cryptography;
using System.Text;
using Hubix.WhatsApp.Webhooks;

namespace Hubix.WhatsApp.Tests.Webhooks;

public class WebhookSignatureTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("app-secret");

    private static string Hmac(byte[] body, byte[] secret) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    [Fact]
    public void Valid_signature_is_accepted()
    {
        var body = Encoding.UTF8.GetBytes("{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
        Assert.True(WebhookSignature.IsValid(body, Hmac(body, Secret), Secret));
    }

    [Fact]
    public void Sign_matches_an_independent_HMAC() =>
        Assert.Equal(Hmac("abc"u8.ToArray(), Secret), WebhookSignature.Sign("abc"u8, Secret));

    [Fact]
    public void Upper_case_hex_is_accepted()
    {
        var body = "{}"u8.ToArray();
        var header = "sha256=" + Hmac(body, Secret)["sha256=".Length..].ToUpperInvariant();
        Assert.True(WebhookSignature.IsValid(body, header, Secret));
    }

    [Fact]
    public void Missing_or_empty_header_is_rejected()
    {
        var body = "{}"u8.ToArray();
        Assert.False(WebhookSignature.IsValid(body, null, Secret));
        Assert.False(WebhookSignature.IsValid(body, "", Secret));
    }

    [Fact]
    public void Wrong_secret_is_rejected()
    {
        var body = "{}"u8.ToArray();
        Assert.False(WebhookSignature.IsValid(body, Hmac(body, "other"u8.ToArray()), Secret));
    }

    [Fact]
    public void One_changed_byte_is_rejected()
    {
        var body = Encoding.UTF8.GetBytes("{\"object\":\"whatsapp_business_account\",\"entry\":[]}");
        var header = Hmac(body, Secret);
        body[10] ^= 0x01;
        Assert.False(WebhookSignature.IsValid(body, header, Secret));
    }

    [Theory]
    [InlineData("sha1=0000")]
    [InlineData("sha256=")]
    [InlineData("sha256=zz")]
    [InlineData("sha256=0123456789abcdef")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Malformed_headers_are_rejected(string header) =>
        Assert.False(WebhookSignature.IsValid("{}"u8, header, Secret));

    [Fact]
    public void Non_ascii_body_is_verified_over_the_bytes_as_sent()
    {
        // Meta signs the escaped form (\u00e4); a body with raw UTF-8 is signed as those bytes. Either way the
        // check must hash the bytes received, never a re-serialization.
        var escaped = Encoding.UTF8.GetBytes("{\"text\":\"\\u00e4\\u00f6\\u00e5 \\ud83d\\ude00\"}");
        var raw = Encoding.UTF8.GetBytes("{\"text\":\"äöå 😀\"}");
        Assert.True(WebhookSignature.IsValid(escaped, Hmac(escaped, Secret), Secret));
        Assert.True(WebhookSignature.IsValid(raw, Hmac(raw, Secret), Secret));
        Assert.False(WebhookSignature.IsValid(raw, Hmac(escaped, Secret), Secret));
    }
}
