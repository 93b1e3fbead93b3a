using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hubix.DailyPack;
using Hubix.Hosting;
using Hubix.WhatsApp.Client;
using Microsoft.Extensions.Options;

namespace Hubix.Cli;

/// <summary><c>hubix meta check|subscribe</c> and <c>hubix templates list|create</c>: going live from the command line.</summary>
public static class MetaCommands
{
    private static readonly string[] Needed = ["Hubix:WhatsApp:AccessToken", "Hubix:WhatsApp:PhoneNumberId", "Hubix:WhatsApp:BusinessAccountId"];

    /// <summary>The daily template's body (its three parameters are what DailySender fills) and the labels of its buttons.</summary>
    public const string DailyBody = "Good morning! Your {{1}} content for {{2}} is ready: {{3}}. Tap below to get it.";

    private static readonly Dictionary<string, string> ButtonLabels = new(StringComparer.Ordinal)
    {
        ["RETRIEVE_CONTENT"] = "Retrieve Content", ["UNLOCK_IMAGES"] = "Images", ["UNLOCK_CONTENT"] = "Posts", ["UNLOCK_UPDATES"] = "Market Updates",
    };

    public static Command Meta()
    {
        var webhookUrl = new Option<string?>("--webhook-url") { Description = "Also check that this public https:// webhook URL answers Meta's handshake." };
        var check = new Command("check", "Check the Meta side: token, phone number, subscription, the daily template; OK/FAIL per line, exit 1 on any FAIL.") { webhookUrl };
        check.SetAction(async (result, ct) =>
        {
            await using var app = HubixServer.Create(HubixCli.HostArgs(result));
            if (Missing(app.Configuration) is { } code)
            {
                return code;
            }

            var lines = await MetaCheck.RunAsync(app.Services, result.GetValue(webhookUrl), ct);
            foreach (var line in lines)
            {
                Console.WriteLine(line.ToString());
            }

            return lines.All(l => l.Ok) ? 0 : 1;
        });

        var subscribe = new Command("subscribe", "Subscribe the app to the WABA's webhooks (POST /{waba-id}/subscribed_apps) and list the fields to tick.");
        subscribe.SetAction(async (result, ct) =>
        {
            await using var app = HubixServer.Create(HubixCli.HostArgs(result));
            if (Missing(app.Configuration) is { } code)
            {
                return code;
            }

            var answer = await app.Services.GetRequiredService<WhatsAppCloudClient>().SubscribeAppAsync(ct);
            if (!answer.IsSuccess || !answer.Value)
            {
                await Console.Error.WriteLineAsync(answer.IsSuccess ? "hubix: Meta did not confirm the subscription." : $"hubix: {answer.Error.Code}: {answer.Error.Message}");
                return 1;
            }

            Console.WriteLine("Subscribed the app to the WhatsApp Business Account's webhooks.");
            Console.WriteLine("In the app dashboard (WhatsApp > Configuration > Webhook fields) subscribe to:");
            foreach (var field in MetaCheck.WebhookFields)
            {
                Console.WriteLine("  " + field);
            }

            return 0;
        });
        return new Command("meta", "The Meta side of going live.") { check, subscribe };
    }

    public static Command Templates()
    {
        var list = new Command("list", "List the WABA's message templates: name, language, status, category, body parameters, quick replies.");
        list.SetAction(async (result, ct) =>
        {
            await using var app = HubixServer.Create(HubixCli.HostArgs(result));
            if (Missing(app.Configuration) is { } code)
            {
                return code;
            }

            var templates = await app.Services.GetRequiredService<WhatsAppCloudClient>().ListTemplatesAsync(ct);
            if (!templates.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"hubix: {templates.Error.Code}: {templates.Error.Message}");
                return 1;
            }

            Console.WriteLine("name\tlanguage\tstatus\tcategory\tbody_parameters\tquick_replies");
            foreach (var t in templates.Value)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Name}\t{t.Language}\t{t.Status}\t{t.Category}\t{t.BodyParameterCount}\t{t.QuickReplyCount}"));
            }

            return 0;
        });

        var body = new Option<string?>("--body") { Description = "Body text with {{1}} {{2}} {{3}} (category, date, description); default: Hubix's." };
        var create = new Command("create", "Create the daily template of Hubix:Templates:Daily (category UTILITY, example values, one quick reply per button).") { body };
        create.SetAction(async (result, ct) =>
        {
            await using var app = HubixServer.Create(HubixCli.HostArgs(result));
            if (Missing(app.Configuration) is { } code)
            {
                return code;
            }

            var daily = app.Services.GetRequiredService<IOptions<DailyTemplateOptions>>().Value;
            var text = result.GetValue(body) ?? DailyBody;
            var answer = await app.Services.GetRequiredService<WhatsAppCloudClient>().CreateTemplateAsync(DailyDefinition(daily, text), ct);
            if (!answer.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"hubix: {answer.Error.Code}: {answer.Error.Message}" + (answer.Error.Details is null ? "" : " — " + answer.Error.Details));
                return 1;
            }

            var (id, status, category) = answer.Value;
            Console.WriteLine($"Created template {daily.Name} ({daily.Language}): id {id}, status {status ?? "?"}, category {category ?? "UTILITY"}.");
            Console.WriteLine("Meta reviews it; `hubix meta check` tells when it is APPROVED and still UTILITY.");
            return 0;
        });
        return new Command("templates", "The WABA's message templates.") { list, create };
    }

    /// <summary>The create request (REFERENCE §9): UTILITY, positional body with example values, quick replies in button order.</summary>
    public static string DailyDefinition(DailyTemplateOptions daily, string body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("name", daily.Name);
            w.WriteString("language", daily.Language);
            w.WriteString("category", "UTILITY");
            w.WriteString("parameter_format", "POSITIONAL");
            w.WriteStartArray("components");
            w.WriteStartObject();
            w.WriteString("type", "BODY");
            w.WriteString("text", body);
            w.WriteStartObject("example");
            w.WriteStartArray("body_text");
            w.WriteStartArray();
            w.WriteStringValue("Market");
            w.WriteStringValue("24 Nov 2026");
            w.WriteStringValue("Nifty outlook and 2 posts");
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("type", "BUTTONS");
            w.WriteStartArray("buttons");
            foreach (var b in daily.EffectiveButtons)
            {
                w.WriteStartObject();
                w.WriteString("type", "QUICK_REPLY");
                w.WriteString("text", ButtonLabels.GetValueOrDefault(b, b));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static int? Missing(IConfiguration config)
    {
        var problems = Needed.Where(k => string.IsNullOrWhiteSpace(config[k])).Select(k => $"{k} is required. {ConfigurationCheck.HowToSet(k)}").ToList();
        return problems.Count == 0 ? null : HubixCli.ConfigError(problems);
    }
}
