using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Wharf.Server.Accounts;
using Wharf.Server.Data;

namespace Wharf.Server.Cli;

/// <summary>
/// <c>wharf admin add|list|delete|passwd|disable|enable</c>: manage the administrators of the
/// REST API and web admin. Passwords come from standard input (--password-stdin) or
/// WHARF_ADMIN_PASSWORD, never from the command line, where other local users could read them.
/// Errors and exit codes are those of <see cref="UserCommands"/>.
/// </summary>
public static class AdminCommands
{
    /// <summary>The environment variable read for the password when --password-stdin is not given.</summary>
    public const string PasswordVariable = "WHARF_ADMIN_PASSWORD";

    /// <summary>The <c>admin</c> command with its subcommands, reading the configuration with <see cref="Configuration.ConfigurationLoader"/>.</summary>
    public static Command Create() => Create(new UserCommands.CliContext());

    internal static Command Create(UserCommands.CliContext context)
    {
        var command = new Command("admin", "Manage the administrators of the REST API and web admin");
        command.Subcommands.Add(AddCommand(context));
        command.Subcommands.Add(ListCommand(context));
        command.Subcommands.Add(DeleteCommand(context));
        command.Subcommands.Add(PasswdCommand(context));
        command.Subcommands.Add(StatusCommand(context, "disable", 0, "Disable an admin (its API tokens stop working at once)"));
        command.Subcommands.Add(StatusCommand(context, "enable", 1, "Enable a disabled admin"));
        return command;
    }

    private static Argument<string> UsernameArgument() => new("username") { Description = "The admin's username" };

    private static Option<bool> PasswordStdinOption() => new("--password-stdin")
    {
        Description = $"Read the password from the first line of standard input (otherwise from {PasswordVariable})",
    };

    private static Command AddCommand(UserCommands.CliContext context)
    {
        var config = new UserCommands.ConfigOptions();
        var username = UsernameArgument();
        var stdin = PasswordStdinOption();
        var email = new Option<string?>("--email") { Description = "Contact address" };
        var description = new Option<string?>("--description") { Description = "Free text" };
        var command = new Command("add", $"Add an active admin (password from --password-stdin or {PasswordVariable})") { username, stdin, email, description };
        config.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await ReadPasswordAsync(context, parse.GetValue(stdin), ct).ConfigureAwait(false) is not { } password)
            {
                return UserCommands.ExitValidation;
            }

            return await UserCommands.RunAsync(context, parse, config, async (provider, _) =>
            {
                var admin = new Admin
                {
                    Username = parse.GetValue(username)!,
                    Password = password,
                    Status = 1,
                    Email = parse.GetValue(email) ?? "",
                    Description = parse.GetValue(description) ?? "",
                };
                var added = await Service(context, provider).AddAsync(admin, ct).ConfigureAwait(false);
                context.Out.WriteLine($"admin '{added.Username}' added (id {added.Id})");
                return 0;
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command ListCommand(UserCommands.CliContext context)
    {
        var config = new UserCommands.ConfigOptions();
        var json = new Option<bool>("--json") { Description = "Print a JSON array (no password hashes)" };
        var command = new Command("list", "List admins, one per line: username, status, email, last login (UTC)") { json };
        config.AddTo(command);
        command.SetAction((parse, ct) => UserCommands.RunAsync(context, parse, config, async (provider, _) =>
        {
            var admins = await provider.ListAdminsAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(admins.Select(AdminListing.From).ToList(), ListingJson.Indented));
                return 0;
            }

            foreach (var a in admins)
            {
                string lastLogin = a.LastLogin == 0 ? "never" : DateTimeOffset.FromUnixTimeMilliseconds(a.LastLogin).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                context.Out.WriteLine($"{a.Username}\t{(a.Status == 1 ? "active" : "disabled")}\t{(a.Email.Length == 0 ? "-" : a.Email)}\t{lastLogin}");
            }

            return 0;
        }, ct));
        return command;
    }

    private static Command DeleteCommand(UserCommands.CliContext context)
    {
        var config = new UserCommands.ConfigOptions();
        var username = UsernameArgument();
        var command = new Command("delete", "Delete an admin (not the last active one)") { username };
        config.AddTo(command);
        command.SetAction((parse, ct) => UserCommands.RunAsync(context, parse, config, async (provider, _) =>
        {
            string name = parse.GetValue(username)!;
            if (!await Service(context, provider).DeleteAsync(name, ct).ConfigureAwait(false))
            {
                return UserCommands.Fail(context, $"admin '{name}' does not exist", UserCommands.ExitNotFound);
            }

            context.Out.WriteLine($"admin '{name}' deleted");
            return 0;
        }, ct));
        return command;
    }

    private static Command PasswdCommand(UserCommands.CliContext context)
    {
        var config = new UserCommands.ConfigOptions();
        var username = UsernameArgument();
        var stdin = PasswordStdinOption();
        var command = new Command("passwd", $"Set an admin's password (from --password-stdin or {PasswordVariable})") { username, stdin };
        config.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await ReadPasswordAsync(context, parse.GetValue(stdin), ct).ConfigureAwait(false) is not { } password)
            {
                return UserCommands.ExitValidation;
            }

            return await UserCommands.RunAsync(context, parse, config, async (provider, _) =>
            {
                string name = parse.GetValue(username)!;
                await Service(context, provider).SetPasswordAsync(name, password, ct).ConfigureAwait(false);
                context.Out.WriteLine($"admin '{name}' password changed");
                return 0;
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command StatusCommand(UserCommands.CliContext context, string name, int status, string description)
    {
        var config = new UserCommands.ConfigOptions();
        var username = UsernameArgument();
        var command = new Command(name, description) { username };
        config.AddTo(command);
        command.SetAction((parse, ct) => UserCommands.RunAsync(context, parse, config, async (provider, _) =>
        {
            string admin = parse.GetValue(username)!;
            await Service(context, provider).SetStatusAsync(admin, status, ct).ConfigureAwait(false);
            context.Out.WriteLine($"admin '{admin}' {name}d");
            return 0;
        }, ct));
        return command;
    }

    private static AdminService Service(UserCommands.CliContext context, IDataProvider provider) => new(provider, context.PasswordHasher);

    /// <summary>The password from stdin or the environment; null after printing why there is none.</summary>
    private static async Task<string?> ReadPasswordAsync(UserCommands.CliContext context, bool fromStdin, CancellationToken cancellationToken)
    {
        string? password = fromStdin
            ? await context.In.ReadLineAsync(cancellationToken).ConfigureAwait(false)
            : context.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            UserCommands.Fail(context, fromStdin
                ? "password: --password-stdin given but standard input holds no password"
                : $"password: give it on standard input with --password-stdin or in {PasswordVariable} (never on the command line)",
                UserCommands.ExitValidation);
            return null;
        }

        return password;
    }

    /// <summary>What <c>admin list --json</c> shows: everything but the password hash.</summary>
    private sealed record AdminListing(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("username")] string Username,
        [property: JsonPropertyName("status")] int Status,
        [property: JsonPropertyName("email")] string Email,
        [property: JsonPropertyName("description")] string Description,
        [property: JsonPropertyName("last_login")] long LastLogin)
    {
        public static AdminListing From(Admin a) => new(a.Id, a.Username, a.Status, a.Email, a.Description, a.LastLogin);
    }

    private static class ListingJson
    {
        public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
    }
}
