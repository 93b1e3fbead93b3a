using System.Text.RegularExpressions;

namespace Hubix.Tests.Architecture;

/// <summary>
/// The feature folders of src/Hubix from the bottom up (docs/decisions/ADR-004-feature-tree.md): a folder may use the
/// ones before it, never one after it. Hosting is the composition root; only Cli uses it.
/// </summary>
public static partial class FeatureTree
{
    public static readonly IReadOnlyList<string> Order =
        ["Kernel", "Data", "Operators", "Webhooks", "Delivery", "Advisors", "Content", "AccountHealth", "DailyPack", "Agent", "Dashboard", "Hosting", "Cli"];

    /// <summary>The repository root (the folder holding Hubix.slnx), found from the test's output folder.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hubix.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Hubix.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The features a C# file names: <c>using Hubix.X</c>, <c>Hubix.X.Type</c>, or <c>X.Type</c> inside namespace Hubix.</summary>
    public static IReadOnlySet<string> Named(string source)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in UsingOrQualified().Matches(source))
        {
            found.Add(m.Groups["f"].Value);
        }

        foreach (Match m in Relative().Matches(source))
        {
            found.Add(m.Groups["f"].Value);
        }

        found.IntersectWith(Order);
        return found;
    }

    /// <summary>Every edge that points up the tree, as "From -> To (file)"; empty when the graph is a tree.</summary>
    public static List<string> UpwardEdges(IEnumerable<(string Feature, string File, string Source)> files)
    {
        var problems = new List<string>();
        foreach (var (feature, file, source) in files)
        {
            var level = Rank(feature);
            foreach (var named in Named(source).Where(n => n != feature && Rank(n) > level).Order(StringComparer.Ordinal))
            {
                problems.Add($"{feature} -> {named} ({file})");
            }
        }

        return problems;
    }

    /// <summary>The C# files of src/Hubix by feature folder; generated migrations (which name entities only in strings) are left out.</summary>
    public static IEnumerable<(string Feature, string File, string Source)> SourceFiles()
    {
        var root = Path.Combine(RepositoryRoot(), "src", "Hubix");
        foreach (var feature in Order)
        {
            var dir = Path.Combine(root, feature);
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "Migrations" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue;
                }

                yield return (feature, Path.GetRelativePath(root, file), File.ReadAllText(file));
            }
        }
    }

    public static int Rank(string feature)
    {
        var i = Order.ToList().IndexOf(feature);
        return i >= 0 ? i : throw new ArgumentOutOfRangeException(nameof(feature), feature, "not a feature folder");
    }

    [GeneratedRegex(@"\bHubix\.(?<f>[A-Z]\w*)\b")]
    private static partial Regex UsingOrQualified();

    [GeneratedRegex(@"(?<![\w.""])(?<f>Kernel|Data|Webhooks|Delivery|Advisors|Content|DailyPack|Agent|Dashboard|Hosting|Cli)\.[A-Z]\w*")]
    private static partial Regex Relative();
}
