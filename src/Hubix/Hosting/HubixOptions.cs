namespace Hubix.Hosting;

/// <summary><c>Hubix:WhatsApp</c>: our business number on the Cloud API, and how fast we may talk to it.</summary>
public sealed class WhatsAppOptions
{
    public const string Section = "Hubix:WhatsApp";

    /// <summary>App secret: the HMAC key of <c>X-Hub-Signature-256</c>. Required.</summary>
    public string AppSecret { get; set; } = "";

    /// <summary>The token Meta echoes in the GET handshake. Required.</summary>
    public string VerifyToken { get; set; } = "";

    /// <summary>Bearer token for Graph calls. Required.</summary>
    public string AccessToken { get; set; } = "";

    /// <summary>Our business phone number id. Required.</summary>
    public string PhoneNumberId { get; set; } = "";

    /// <summary>WhatsApp Business Account id, used to list templates. Optional.</summary>
    public string? BusinessAccountId { get; set; }

    public string GraphBaseUrl { get; set; } = "https://graph.facebook.com";
    public string ApiVersion { get; set; } = "v23.0";

    /// <summary>Throughput budget of the number (Meta: 80 by default, up to 1,000).</summary>
    public double MessagesPerSecond { get; set; } = 80;

    /// <summary>Messages one recipient may get back to back before pacing to one per <see cref="PairInterval"/>.</summary>
    public int PairBurst { get; set; } = 10;

    /// <summary>Meta's pair rate: about one message per 6 s to the same user.</summary>
    public TimeSpan PairInterval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Timeout of one Graph call.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks the configuration before anything starts, and says how to fix each problem.</summary>
public static class ConfigurationCheck
{
    public static IReadOnlyList<string> Problems(IConfiguration configuration)
    {
        var problems = new List<string>();
        void Require(string key)
        {
            if (string.IsNullOrWhiteSpace(configuration[key]))
            {
                problems.Add($"{key} is required. {HowToSet(key)}");
            }
        }

        Require("Hubix:WhatsApp:AppSecret");
        Require("Hubix:WhatsApp:VerifyToken");
        Require("Hubix:WhatsApp:AccessToken");
        Require("Hubix:WhatsApp:PhoneNumberId");
        Require("Hubix:AdminApiKey");

        var provider = configuration["Hubix:Database:Provider"];
        if (!string.IsNullOrEmpty(provider) && !Enum.TryParse<Data.DatabaseProvider>(provider, ignoreCase: true, out _))
        {
            problems.Add($"Hubix:Database:Provider is '{provider}'; use Sqlite or Postgres. {HowToSet("Hubix:Database:Provider")}");
        }
        else if (string.Equals(provider, "Postgres", StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(configuration.GetConnectionString("Hubix")))
        {
            problems.Add($"ConnectionStrings:Hubix is required when Hubix:Database:Provider is Postgres. {HowToSet("ConnectionStrings:Hubix")}");
        }

        var baseUrl = configuration["Hubix:WhatsApp:GraphBaseUrl"];
        if (!string.IsNullOrEmpty(baseUrl) && !Uri.TryCreate(baseUrl, UriKind.Absolute, out _))
        {
            problems.Add($"Hubix:WhatsApp:GraphBaseUrl '{baseUrl}' is not an absolute URL. {HowToSet("Hubix:WhatsApp:GraphBaseUrl")}");
        }

        var mps = configuration["Hubix:WhatsApp:MessagesPerSecond"];
        if (!string.IsNullOrEmpty(mps) && (!double.TryParse(mps, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v <= 0))
        {
            problems.Add($"Hubix:WhatsApp:MessagesPerSecond '{mps}' must be a positive number. {HowToSet("Hubix:WhatsApp:MessagesPerSecond")}");
        }

        return problems;
    }

    public static string HowToSet(string key) =>
        $"Set it in appsettings.json, as environment variable {key.Replace(":", "__", StringComparison.Ordinal)}, or as argument --{key}=VALUE.";
}
