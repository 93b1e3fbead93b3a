using Microsoft.Extensions.Options;

namespace Hubix.Kernel;

/// <summary>
/// A feature's options: bound from <see cref="Section"/>, checked by <see cref="Problems"/> when the host starts
/// (<c>ValidateOnStart</c>). Every problem names the full key and what to set it to, so <c>hubix serve</c> can exit 2 with
/// it; register with <see cref="HubixOptionsRegistration.AddHubixOptions{T}"/>.
/// </summary>
public interface IHubixOptions
{
    /// <summary>The configuration section, e.g. <c>Hubix:Delivery</c>.</summary>
    static abstract string Section { get; }

    /// <summary>What is wrong, one sentence per key (e.g. "Hubix:Inbox:BatchSize must be between 1 and 5000."); empty when valid.</summary>
    IEnumerable<string> Problems() => [];
}

public static class HubixOptionsRegistration
{
    /// <summary>The one way a feature registers its options: bind <c>T.Section</c>, check <c>Problems()</c> at start.</summary>
    public static OptionsBuilder<T> AddHubixOptions<T>(this IServiceCollection services) where T : class, IHubixOptions
    {
        services.AddSingleton<IValidateOptions<T>, SelfValidation<T>>();
        services.AddSingleton(new SettingsSection(T.Section, typeof(T), sp => sp.GetRequiredService<IOptions<T>>().Value));
        return services.AddOptions<T>().BindConfiguration(T.Section).ValidateOnStart();
    }

    private sealed class SelfValidation<T> : IValidateOptions<T> where T : class, IHubixOptions
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
