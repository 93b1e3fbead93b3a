return await Hubix.Cli.HubixCli.RunAsync(args);
