using System.CommandLine;
using DokanNfs.Cli;

var root = new RootCommand("dokannfs: an NFSv4 client for Windows that maps exports as drives through Dokan.");
root.Subcommands.Add(PingCommand.Create());
return await root.Parse(args).InvokeAsync();
