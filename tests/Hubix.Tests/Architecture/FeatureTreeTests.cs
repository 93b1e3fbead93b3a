using NetArchTest.Rules;

namespace Hubix.Tests.Architecture;

/// <summary>
/// The feature graph of src/Hubix is a tree (ADR-004): checked in the compiled code (NetArchTest reads the IL, so it
/// sees every type a feature really uses) and in the source (which also sees a lone <c>using</c> that compiles to
/// nothing but announces a dependency).
/// </summary>
public sealed class FeatureTreeTests
{
    private static readonly System.Reflection.Assembly Server = typeof(Hubix.Data.HubixDb).Assembly;

    /// <summary>
    /// The migrations are the schema of the whole model, generated from every feature's entities, so they sit above all
    /// features (scripts/feature-graph.sh leaves them out too); one calls the dashboard's rollup triggers.
    /// </summary>
    private const string Migrations = "Hubix.Data.Migrations";

    [Fact]
    public void No_feature_uses_a_feature_above_it_in_the_compiled_code()
    {
        var problems = new List<string>();
        for (var i = 0; i < FeatureTree.Order.Count; i++)
        {
            var above = FeatureTree.Order.Skip(i + 1).Select(f => "Hubix." + f).ToArray();
            var result = Types.InAssembly(Server).That().ResideInNamespace("Hubix." + FeatureTree.Order[i]).And().DoNotResideInNamespace(Migrations)
                .ShouldNot().HaveDependencyOnAny(above).GetResult();
            if (!result.IsSuccessful)
            {
                problems.AddRange(result.FailingTypeNames.Select(t => $"{FeatureTree.Order[i]}: {t} uses one of {string.Join(", ", above)}"));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void No_source_file_names_a_feature_above_its_own()
    {
        Assert.Empty(FeatureTree.UpwardEdges(FeatureTree.SourceFiles()));
    }

    [Fact]
    public void The_named_rules_hold()
    {
        // Delivery sends what others decided: it knows no pack, no assistant, no advisor.
        AssertNoDependency("Hubix.Delivery", "Hubix.DailyPack", "Hubix.Agent", "Hubix.Advisors", "Hubix.Dashboard");
        // The dashboard only reads: no feature depends on it.
        foreach (var f in new[] { "Webhooks", "Delivery", "Advisors", "Content", "DailyPack", "Agent" })
        {
            AssertNoDependency("Hubix." + f, "Hubix.Dashboard", "Hubix.Hosting", "Hubix.Cli");
        }

        // The kernel and the data layer know no feature.
        AssertNoDependency("Hubix.Kernel", FeatureTree.Order.Skip(1).Select(f => "Hubix." + f).ToArray());
        AssertNoDependency("Hubix.Data", FeatureTree.Order.Skip(2).Select(f => "Hubix." + f).ToArray());
    }

    [Fact]
    public void The_source_check_catches_a_using_that_points_up()
    {
        // The check must be able to fail: a Delivery file that only says "using Hubix.DailyPack;" (which compiles to no
        // reference at all) and one that names Unlock's type relatively.
        var files = new[]
        {
            ("Delivery", "Delivery/Probe.cs", "using Hubix.DailyPack;\nnamespace Hubix.Delivery;\n"),
            ("Advisors", "Advisors/Probe.cs", "namespace Hubix.Advisors;\nclass P { object? x = typeof(Dashboard.MetricsService); }\n"),
            ("Agent", "Agent/Fine.cs", "using Hubix.DailyPack;\nusing Hubix.Kernel;\nnamespace Hubix.Agent;\n// see Hubix:Dashboard:TimeZone\n"),
        };

        Assert.Equal(["Delivery -> DailyPack (Delivery/Probe.cs)", "Advisors -> Dashboard (Advisors/Probe.cs)"], FeatureTree.UpwardEdges(files));
    }

    private static void AssertNoDependency(string feature, params string[] forbidden)
    {
        var result = Types.InAssembly(Server).That().ResideInNamespace(feature).And().DoNotResideInNamespace(Migrations).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{feature} uses {string.Join(" or ", forbidden)}: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }
}
