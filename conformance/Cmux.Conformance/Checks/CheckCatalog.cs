namespace Cmux.Conformance.Checks;

/// <summary>Every check of the suite, by feature. The tests and the report both read this list.</summary>
public static class CheckCatalog
{
    public static class UrlPattern
    {
        public const string Feature = "url-pattern";
        public static readonly ConformanceCheck Pattern = new("url-pattern-per-port", Feature,
            "Every sandbox port's URL follows the provider's pattern and is one DNS label (<= 63 chars, [a-z0-9-]) under the domain.");
        public static readonly ConformanceCheck Reaches = new("url-reaches-sandbox-port", Feature,
            "Each port's URL reaches that sandbox and that port (the sandbox echoes its id and the port it served).", Capability.TestEndpoints);
        public static readonly ConformanceCheck WrongSandbox = new("url-unknown-sandbox", Feature,
            "A URL for a sandbox that does not exist gets the provider's documented answer (PVE 502, Morph 404).");
        public static readonly ConformanceCheck WrongPort = new("url-closed-port", Feature,
            "A URL for a port nothing listens on gets the provider's documented answer (PVE 502, Morph 404).");
        public static readonly ConformanceCheck MalformedHost = new("url-malformed-host", Feature,
            "A host that does not follow the pattern is not routed to any sandbox.");
    }

    public static class Exec
    {
        public const string Feature = "exec";
        public static readonly ConformanceCheck Stdout = new("exec-stdout", Feature, "stdout of a command comes back whole.");
        public static readonly ConformanceCheck Stderr = new("exec-stderr", Feature, "stderr comes back separately from stdout.");
        public static readonly ConformanceCheck ExitCode = new("exec-exit-code", Feature, "Non-zero exit codes are reported as the command returned them.");
        public static readonly ConformanceCheck WorkingDirectory = new("exec-working-directory", Feature, "Commands run in the requested working directory (PVE) or can cd (Morph).");
        public static readonly ConformanceCheck Environment = new("exec-environment", Feature, "HOME is /root and environment variables reach the command.");
        public static readonly ConformanceCheck Timeout = new("exec-timeout", Feature, "A command that outlives its timeout is stopped and reported as timed out.");
        public static readonly ConformanceCheck LargeOutput = new("exec-large-output", Feature, "1 MiB of output comes back intact.");
        public static readonly ConformanceCheck BinaryOutput = new("exec-binary-output", Feature, "Binary output survives (base64 round trip of random bytes).");
        public static readonly ConformanceCheck Concurrency = new("exec-concurrency", Feature, "16 concurrent execs each get their own result.");
        public static readonly ConformanceCheck BadRequest = new("exec-bad-request", Feature, "A malformed exec request is refused with a 4xx, not run.");
    }

    public static class WebSocket
    {
        public const string Feature = "websocket";
        public static readonly ConformanceCheck Text = new("ws-text", Feature, "A text message is echoed through the public URL.", Capability.TestEndpoints);
        public static readonly ConformanceCheck Binary = new("ws-binary", Feature, "A binary message is echoed byte for byte.", Capability.TestEndpoints);
        public static readonly ConformanceCheck Large = new("ws-16mib", Feature, "A 16 MiB binary message is echoed intact.", Capability.TestEndpoints);
        public static readonly ConformanceCheck Subprotocol = new("ws-subprotocol", Feature, "The subprotocol the backend selects reaches the client.", Capability.TestEndpoints);
        public static readonly ConformanceCheck PingPong = new("ws-ping-pong", Feature, "Keep-alive pings are answered; the socket stays usable.", Capability.TestEndpoints);
        public static readonly ConformanceCheck CloseCode = new("ws-close-code", Feature, "A close code and reason sent by the backend reach the client.", Capability.TestEndpoints);
        public static readonly ConformanceCheck Many = new("ws-many-sockets", Feature, "32 sockets open at once each echo their own messages.", Capability.TestEndpoints);
        public static readonly ConformanceCheck Idle = new("ws-idle-close", Feature, "An idle socket is closed by the edge after its idle timeout.", Capability.WebSocketIdleTimeout, Capability.TestEndpoints);
        public static readonly ConformanceCheck Browser = new("ws-browser", Feature, "Chromium loads the VS Code stand-in over HTTPS, trusting the run's CA, and its websocket connects.");
    }

    public static class Tls
    {
        public const string Feature = "tls";
        public static readonly ConformanceCheck Chain = new("tls-valid-chain", Feature, "Every sandbox URL answers over HTTPS with a chain that validates for its host.");
        public static readonly ConformanceCheck OneLabel = new("tls-one-label", Feature, "A name two labels under the domain fails verification (the wildcard covers one label).");
    }

    public static class Access
    {
        public const string Feature = "access";
        public static readonly ConformanceCheck Refused = new("access-refused-without-credentials", Feature,
            "Every sandbox URL, execd's included, refuses requests without Access credentials.", Capability.CloudflareAccess);
        public static readonly ConformanceCheck ServiceToken = new("access-service-token", Feature,
            "A service token passes and the origin receives Cf-Access-Jwt-Assertion.", Capability.CloudflareAccess);
    }

    public static class Lifecycle
    {
        public const string Feature = "lifecycle";
        public static readonly ConformanceCheck CreateReady = new("lifecycle-create-ready", Feature, "A new sandbox becomes ready and serves its ports; time to ready is recorded.");
        public static readonly ConformanceCheck PauseResume = new("lifecycle-pause-resume", Feature, "A paused sandbox resumes and serves again.", Capability.PauseResume);
        public static readonly ConformanceCheck Stop = new("lifecycle-stop", Feature, "A stopped sandbox no longer serves its ports.");
        public static readonly ConformanceCheck Delete = new("lifecycle-delete", Feature, "A deleted sandbox is gone; deleting it again succeeds.");
    }

    public static class Provisioning
    {
        public const string Feature = "provisioning";
        public static readonly ConformanceCheck Idempotent = new("provisioning-idempotent", Feature,
            "Running the tunnel and DNS setup again changes nothing and creates no duplicates.", Capability.TunnelProvisioning);
    }

    public static IReadOnlyList<ConformanceCheck> All { get; } =
        typeof(CheckCatalog).GetNestedTypes()
            .SelectMany(t => t.GetFields().Where(f => f.FieldType == typeof(ConformanceCheck)))
            .Select(f => (ConformanceCheck)f.GetValue(null)!)
            .ToList();

    public static IReadOnlyList<string> Features { get; } = All.Select(c => c.Feature).Distinct().ToList();
}
