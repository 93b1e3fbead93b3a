using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Hubix.Kernel;

/// <summary>One feature's options section, registered by <see cref="HubixOptionsRegistration.AddHubixOptions{T}"/>.</summary>
public sealed record SettingsSection(string Section, Type Type, Func<IServiceProvider, object> Current);

/// <param name="Key">The full configuration key, e.g. <c>Hubix:Schedule:SendAt</c>.</param>
/// <param name="Value">As the server runs with it; for a secret only whether it is set (<c>set</c> / <c>not set</c>).</param>
/// <param name="Changed">Differs from the built-in default (set in appsettings, the environment or the command line).</param>
public sealed record EffectiveSetting(string Key, string? Value, bool Changed, bool Secret);

/// <summary>
/// What the server runs with, for the admins' Settings page: every registered options section, read through
/// <see cref="IOptions{T}"/> (so after binding and defaults), each value marked when it differs from the default. Secrets
/// are never returned, only whether they are set: the page is for seeing the configuration, not for copying keys.
/// </summary>
public static class EffectiveSettings
{
    // A property named like a credential is a secret: its value is never read out. An alert webhook URL is one too
    // (Slack's incoming-webhook URLs carry their token in the path).
    private static readonly string[] SecretWords = ["Secret", "Token", "Password", "ApiKey", "ConnectionString", "PrivateKey", "WebhookUrl"];

    public static bool IsSecret(string name) => SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase));

    public static List<EffectiveSetting> Read(IServiceProvider services)
    {
        var result = new List<EffectiveSetting>();
        foreach (var section in services.GetServices<SettingsSection>().DistinctBy(s => s.Type).OrderBy(s => s.Section, StringComparer.Ordinal))
        {
            var defaults = Activator.CreateInstance(section.Type);
            Describe(section.Section, section.Current(services), defaults, result, depth: 0);
        }

        return result;
    }

    private static void Describe(string prefix, object current, object? defaults, List<EffectiveSetting> into, int depth)
    {
        foreach (var p in current.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var key = prefix + ":" + p.Name;
            var value = p.GetValue(current);
            var fallback = defaults is null ? null : p.GetValue(defaults);
            if (value is not null && IsNested(p.PropertyType) && depth < 3)
            {
                Describe(key, value, fallback, into, depth + 1);
                continue;
            }

            // A map of sections (e.g. the daily template per language): one row per entry's setting.
            if (value is IDictionary map && p.PropertyType.GetGenericArguments() is [_, var entryType] && IsNested(entryType) && depth < 3)
            {
                foreach (var k in map.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal))
                {
                    if (map[k] is { } entry)
                    {
                        Describe(key + ":" + k, entry, Activator.CreateInstance(entryType), into, depth + 1);
                    }
                }

                continue;
            }

            var text = Format(value);
            var changed = !string.Equals(text, Format(fallback), StringComparison.Ordinal);
            if (IsSecret(p.Name))
            {
                into.Add(new EffectiveSetting(key, string.IsNullOrEmpty(text) ? "not set" : "set", changed, Secret: true));
            }
            else
            {
                into.Add(new EffectiveSetting(key, text, changed, Secret: false));
            }
        }
    }

    private static bool IsNested(Type t) =>
        t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null;

    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        // user:password@ in a URL is a credential too.
        Uri { IsAbsoluteUri: true, UserInfo.Length: > 0 } u => new UriBuilder(u) { UserName = "", Password = "" }.Uri.ToString(),
        IDictionary d => string.Join(", ", d.Keys.Cast<object>().Select(k => Format(k) + "=" + Format(d[k]))),
        IEnumerable e => string.Join(", ", e.Cast<object?>().Select(Format)),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
