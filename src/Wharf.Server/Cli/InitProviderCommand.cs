using System.CommandLine;
using Wharf.Server.Data;

namespace Wharf.Server.Cli;

/// <summary><c>wharf initprovider</c>: create or migrate the data provider's schema and print its version.</summary>
public static class InitProviderCommand
{
    /// <summary>The command, reading the configuration with <see cref="Configuration.ConfigurationLoader"/>.</summary>
    public static Command Create() => Create(new UserCommands.CliContext());

    internal static Command Create(UserCommands.CliContext context)
    {
        var config = new UserCommands.ConfigOptions();
        var command = new Command("initprovider", "Initialize or migrate the data provider's schema (safe to repeat)");
        config.AddTo(command);
        command.SetAction((parse, ct) => UserCommands.RunAsync(context, parse, config, async (provider, _) =>
        {
            // RunAsync has already applied the migrations.
            int version = await provider.GetSchemaVersionAsync(ct).ConfigureAwait(false);
            context.Out.WriteLine($"Data provider initialized: driver {provider.Driver}, schema version {version}");
            return 0;
        }, ct));
        return command;
    }
}
