using Hubix.Cli;

namespace Hubix.Tests.Hosting;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DemoSecretsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hubix-demo-secrets-").FullName;

    private const UnixFileMode Folder0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void New_secrets_are_written_0600_in_a_0700_folder_and_kept_across_restarts()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var first = SandboxCommands.DemoSecrets.LoadOrCreate(_dir);

        Assert.Equal(Folder0700, File.GetUnixFileMode(SandboxCommands.DemoSecrets.FolderOf(_dir)));
        Assert.Equal(File0600, File.GetUnixFileMode(SandboxCommands.DemoSecrets.PathOf(_dir)));
        Assert.Equal(first, SandboxCommands.DemoSecrets.LoadOrCreate(_dir));
    }

    [Fact]
    public void A_world_readable_file_of_an_older_version_is_moved_in_and_tightened()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var legacy = Path.Combine(_dir, "demo-secrets.json");
        File.WriteAllText(legacy, """{"AppSecret":"a","VerifyToken":"v","AccessToken":"t","AdminApiKey":"k"}""");
        File.SetUnixFileMode(legacy, File0600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Directory.CreateDirectory(SandboxCommands.DemoSecrets.FolderOf(_dir));
        File.SetUnixFileMode(SandboxCommands.DemoSecrets.FolderOf(_dir), Folder0700 | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var secrets = SandboxCommands.DemoSecrets.LoadOrCreate(_dir);

        Assert.Equal("k", secrets.AdminApiKey);
        Assert.False(File.Exists(legacy));
        Assert.Equal(Folder0700, File.GetUnixFileMode(SandboxCommands.DemoSecrets.FolderOf(_dir)));
        Assert.Equal(File0600, File.GetUnixFileMode(SandboxCommands.DemoSecrets.PathOf(_dir)));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
