using System.CommandLine;
using Wharf.Server.Cli;

var root = new RootCommand("Wharf: a fast, secure SFTP server")
{
    PortableCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
