using DokanNfs.Cli;

return await CliApp.RunAsync(args);
