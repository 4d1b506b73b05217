using System.Net;
using Cmux.Conformance.Probe;

// cmux-probe --port 39390[,39391...] [--bind 0.0.0.0]
// Serves /_cmux/info, /_cmux/echo, /_cmux/ws, /_cmux/sse, /_cmux/bytes and /_cmux/page on every port given, until killed.
var ports = new List<int>();
var bind = IPAddress.Any;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            ports.AddRange(args[++i].Split(',').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)));
            break;
        case "--bind" when i + 1 < args.Length:
            bind = IPAddress.Parse(args[++i]);
            break;
        default:
            Console.Error.WriteLine($"cmux-probe: unknown argument '{args[i]}'; usage: cmux-probe --port P[,P...] [--bind ADDRESS]");
            return 2;
    }
}
if (ports.Count == 0)
{
    Console.Error.WriteLine("cmux-probe: give at least one --port");
    return 2;
}
var servers = ports.Select(port => new ProbeServer(new IPEndPoint(bind, port))).ToList();
Console.WriteLine($"cmux-probe: serving {string.Join(", ", ports)} on {bind}");
await Task.WhenAll(servers.Select(s => s.RunAsync(CancellationToken.None)));
return 0;
