using System.CommandLine;
using Wharf.Server.Cli;

var root = new RootCommand("Wharf: a fast, secure SFTP server")
{
    ServeCommand.Create(),
    PortableCommand.Create(),
    UserCommands.Create(),
    AdminCommands.Create(),
    InitProviderCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
