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
// System.CommandLine ends the process 2 s after SIGTERM/SIGINT by default, which cuts short a
// clean shutdown (running actions get 5 s before they are killed with their process trees).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
