using System.Data.Common;

namespace Hubix.Data;

/// <summary>The one way the raw-SQL hot paths add parameters (null becomes DBNull).</summary>
internal static class DbCommandExtensions
{
    public static void AddParameter(this DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }
}
