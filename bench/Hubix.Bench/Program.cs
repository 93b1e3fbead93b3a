using Hubix.Bench;

// dotnet run -c Release --project bench/Hubix.Bench -- <scenario> [options]
// Every scenario is bounded in count and time, stops by itself, and kills every process it started.
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Options.Usage);
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == BareServer.Command)
{
    // Internal: the bare Kestrel endpoint the ingest scenario compares against (run as a child process).
    return await BareServer.RunAsync(args[1..]);
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("bench: " + ex.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => Children.KillAll();

try
{
    return options.Scenario switch
    {
        "ingest" => await new IngestScenario(options).RunAsync(cts.Token),
        "fanout" => await new FanoutScenario(options).RunAsync(cts.Token),
        "clickstorm" => await new ClickstormScenario(options).RunAsync(cts.Token),
        "chaos" => await new ChaosScenario(options).RunAsync(cts.Token),
        "agent" => await new AgentScenario(options).RunAsync(cts.Token),
        "history" => await new HistoryScenario(options).RunAsync(cts.Token),
        "day" => await new DayScenario(options).RunAsync(cts.Token),
        "replicas" => await new ReplicasScenario(options).RunAsync(cts.Token),
        "webapp" => await new WebAppScenario(options).RunAsync(cts.Token),
        _ => throw new InvalidOperationException("unreachable"),
    };
}
catch (NotAvailableException ex)
{
    Console.Error.WriteLine($"{options.Scenario}: not available yet: {ex.Message}");
    return 3;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("bench: cancelled or out of time (--timeout)");
    return 130;
}
catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
{
    Console.Error.WriteLine($"{options.Scenario}: failed: an HTTP request timed out: {ex.Message}");
    return 1;
}
catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
{
    Console.Error.WriteLine($"{options.Scenario}: failed: an HTTP request timed out: {ex.Message}");
    return 1;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{options.Scenario}: {ex.Message}");
    return 2;
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
{
    Console.Error.WriteLine($"{options.Scenario}: failed: {ex.Message}");
    return 1;
}
finally
{
    Children.KillAll();
}
