namespace Hubix.Hosting;

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

        var synchronous = configuration["Hubix:Database:Synchronous"];
        if (!string.IsNullOrEmpty(synchronous) && !Enum.TryParse<Data.SqliteSynchronous>(synchronous, ignoreCase: true, out _))
        {
            problems.Add($"Hubix:Database:Synchronous is '{synchronous}'; use Normal or Full. {HowToSet("Hubix:Database:Synchronous")}");
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
