using Hubix.Sandbox.Graph;
using Hubix.Sandbox.Phones;
using Hubix.Sandbox.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Hubix.Sandbox;

/// <summary>Registers the sandbox's services, options (validated at start) and webhook worker.</summary>
public static class SandboxServiceCollectionExtensions
{
    public static IServiceCollection AddHubixSandbox(this IServiceCollection s, IConfiguration c)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(c);
        // Generated once per sandbox when it may not borrow the server's secrets (SandboxSafety.MayBorrowSecrets).
        var own = new Lazy<(string AppSecret, string AccessToken)>(() => (SandboxSafety.NewSecret(), SandboxSafety.NewSecret()));
        s.AddOptions<SandboxOptions>()
            .Configure(o =>
            {
                c.GetSection(SandboxOptions.SectionName).Bind(o); // Hubix:Sandbox:AppSecret / AccessToken, when given, win
                var wa = c.GetSection(SandboxOptions.WhatsAppSectionName);
                if (SandboxSafety.MayBorrowSecrets(wa["GraphBaseUrl"]))
                {
                    o.AppSecret = string.IsNullOrEmpty(o.AppSecret) ? wa["AppSecret"] ?? "" : o.AppSecret;
                    o.AccessToken = string.IsNullOrEmpty(o.AccessToken) ? wa["AccessToken"] ?? "" : o.AccessToken;
                }
                else if (string.IsNullOrEmpty(o.AppSecret) || string.IsNullOrEmpty(o.AccessToken))
                {
                    o.AppSecret = string.IsNullOrEmpty(o.AppSecret) ? own.Value.AppSecret : o.AppSecret;
                    o.AccessToken = string.IsNullOrEmpty(o.AccessToken) ? own.Value.AccessToken : o.AccessToken;
                    o.GeneratedSecrets = true;
                }

                o.PhoneNumberId = wa["PhoneNumberId"] ?? o.PhoneNumberId;
                o.BusinessAccountId = wa["BusinessAccountId"] ?? o.BusinessAccountId;
            })
            .ValidateOnStart();
        s.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>());
        s.TryAddSingleton(TimeProvider.System);
        s.TryAddSingleton<SandboxStats>();
        s.TryAddSingleton<FaultInjector>();
        s.TryAddSingleton<DelayScheduler>();
        s.TryAddSingleton<TemplateCatalog>();
        s.TryAddSingleton<Account.AccountState>();
        s.TryAddSingleton<MediaStore>();
        s.TryAddSingleton<PhoneBook>();
        s.TryAddSingleton<WebhookDispatcher>();
        s.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        s.TryAddSingleton<StatusEngine>();
        s.TryAddSingleton<SandboxService>();
        return s;
    }
}
