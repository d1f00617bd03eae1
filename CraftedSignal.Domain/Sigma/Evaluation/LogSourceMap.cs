using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// Which events belong to a log source: a rule whose logsource (product, category, service) equals
/// <see cref="Product"/>/<see cref="Category"/>/<see cref="Service"/> only sees events whose <c>EventID</c> is one of
/// <see cref="EventIds"/> (when given) and whose <c>Channel</c> is one of <see cref="Channels"/> (when given).
/// </summary>
public sealed record LogSourceMapping(string? Product, string? Category, string? Service, IReadOnlyList<string> EventIds, IReadOnlyList<string> Channels)
{
    public bool IsFor(SigmaLogSource logSource) =>
        Same(Product, logSource.Product) && Same(Category, logSource.Category) && Same(Service, logSource.Service);

    public bool Applies(string? eventId, string? channel) =>
        (EventIds.Count == 0 || (eventId is not null && EventIds.Contains(eventId, StringComparer.OrdinalIgnoreCase)))
        && (Channels.Count == 0 || (channel is not null && Channels.Contains(channel, StringComparer.OrdinalIgnoreCase)));

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>The log-source mapping used to route events to rules. See Sigma/README.md for the built-in table.</summary>
public sealed class LogSourceMap(IReadOnlyList<LogSourceMapping> mappings)
{
    private const string Sysmon = "Microsoft-Windows-Sysmon/Operational";
    private const string LinuxSysmon = "Linux-Sysmon/Operational";

    public IReadOnlyList<LogSourceMapping> Mappings { get; } = mappings;

    public static LogSourceMap BuiltIn { get; } = new(CreateBuiltIn());

    public static LogSourceMap Empty { get; } = new([]);

    /// <summary>The first mapping for the rule's log source, or null when the rule should see every event.</summary>
    public int? Find(SigmaLogSource logSource)
    {
        for (var i = 0; i < Mappings.Count; i++)
        {
            if (Mappings[i].IsFor(logSource))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads a mapping file: <c>mappings:</c> a list of <c>{logsource: {product, category, service}, EventID: [...],
    /// Channel: [...]}</c>. Its entries take precedence over the built-in ones unless <c>builtin: false</c>.
    /// </summary>
    public static (LogSourceMap? Map, IReadOnlyList<SigmaDiagnostic> Diagnostics) Parse(string text)
    {
        var read = SigmaYamlReader.Read(text);
        var diagnostics = new List<SigmaDiagnostic>(read.Diagnostics);
        if (diagnostics.Count > 0)
        {
            return (null, diagnostics);
        }

        if (read.Documents.FirstOrDefault() is not YamlMapping root || root["mappings"] is not YamlSequence list)
        {
            diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.WrongType,
                "A log-source map needs 'mappings:', a list of entries with 'logsource' and 'EventID' and/or 'Channel'.", new SourcePosition(1, 1)));
            return (null, diagnostics);
        }

        var mappings = new List<LogSourceMapping>();
        foreach (var item in list.Items)
        {
            if (item is not YamlMapping entry || entry["logsource"] is not YamlMapping logSource)
            {
                diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.WrongType, "Each mapping needs a 'logsource' mapping.", item.Position));
                continue;
            }

            mappings.Add(new LogSourceMapping(Text(logSource, "product"), Text(logSource, "category"), Text(logSource, "service"),
                Texts(entry["EventID"]), Texts(entry["Channel"])));
        }

        var builtIn = root["builtin"] is not YamlScalar { Kind: YamlScalarKind.Boolean } flag || flag.IsTrue;
        return diagnostics.Count > 0 ? (null, diagnostics) : (new LogSourceMap(builtIn ? [.. mappings, .. BuiltIn.Mappings] : mappings), diagnostics);
    }

    private static string? Text(YamlMapping map, string key) => map[key] is YamlScalar { IsNull: false } s ? s.Text : null;

    private static List<string> Texts(YamlNode? node) => node switch
    {
        YamlScalar { IsNull: false } s => [s.Text],
        YamlSequence seq => [.. seq.Items.OfType<YamlScalar>().Select(s => s.Text)],
        _ => [],
    };

    private static List<LogSourceMapping> CreateBuiltIn()
    {
        var list = new List<LogSourceMapping>();
        void Category(string category, string[] sysmonIds, string product = "windows", string channel = Sysmon) =>
            list.Add(new LogSourceMapping(product, category, null, sysmonIds, [channel]));
        void Service(string service, params string[] channels) =>
            list.Add(new LogSourceMapping("windows", null, service, [], channels));

        list.Add(new LogSourceMapping("windows", "process_creation", null, ["1", "4688"], [Sysmon, "Security"]));
        Category("file_change", ["2"]);
        Category("network_connection", ["3"]);
        Category("sysmon_status", ["4", "16"]);
        Category("process_termination", ["5"]);
        Category("driver_load", ["6"]);
        Category("image_load", ["7"]);
        Category("create_remote_thread", ["8"]);
        Category("raw_access_thread", ["9"]);
        Category("process_access", ["10"]);
        Category("file_event", ["11"]);
        Category("registry_add", ["12"]);
        Category("registry_delete", ["12"]);
        Category("registry_set", ["13"]);
        Category("registry_rename", ["14"]);
        Category("registry_event", ["12", "13", "14"]);
        Category("create_stream_hash", ["15"]);
        Category("pipe_created", ["17", "18"]);
        Category("wmi_event", ["19", "20", "21"]);
        Category("dns_query", ["22"]);
        Category("file_delete", ["23", "26"]);
        Category("file_delete_detected", ["26"]);
        Category("clipboard_capture", ["24"]);
        Category("process_tampering", ["25"]);
        Category("file_block_executable", ["27"]);
        Category("file_block_shredding", ["28"]);
        Category("file_executable_detected", ["29"]);
        Category("sysmon_error", ["255"]);
        list.Add(new LogSourceMapping("windows", "ps_module", null, ["4103"], ["Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"]));
        list.Add(new LogSourceMapping("windows", "ps_script", null, ["4104"], ["Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"]));
        list.Add(new LogSourceMapping("windows", "ps_classic_start", null, ["400"], ["Windows PowerShell"]));
        list.Add(new LogSourceMapping("windows", "ps_classic_provider_start", null, ["600"], ["Windows PowerShell"]));
        list.Add(new LogSourceMapping("windows", "ps_classic_script", null, ["800"], ["Windows PowerShell"]));
        Category("process_creation", ["1"], "linux", LinuxSysmon);
        Category("network_connection", ["3"], "linux", LinuxSysmon);
        Category("file_event", ["11"], "linux", LinuxSysmon);
        Category("file_delete", ["23"], "linux", LinuxSysmon);

        Service("security", "Security");
        Service("system", "System");
        Service("application", "Application");
        Service("sysmon", Sysmon);
        Service("powershell", "Microsoft-Windows-PowerShell/Operational");
        Service("powershell-classic", "Windows PowerShell");
        Service("taskscheduler", "Microsoft-Windows-TaskScheduler/Operational");
        Service("wmi", "Microsoft-Windows-WMI-Activity/Operational");
        Service("dns-server", "DNS Server");
        Service("dns-server-analytic", "Microsoft-Windows-DNS-Server/Analytical");
        Service("dns-client", "Microsoft-Windows-DNS Client Events/Operational");
        Service("driver-framework", "Microsoft-Windows-DriverFrameworks-UserMode/Operational");
        Service("windefend", "Microsoft-Windows-Windows Defender/Operational");
        Service("firewall-as", "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall");
        Service("bits-client", "Microsoft-Windows-Bits-Client/Operational");
        Service("codeintegrity-operational", "Microsoft-Windows-CodeIntegrity/Operational");
        Service("ntlm", "Microsoft-Windows-NTLM/Operational");
        Service("applocker", "Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
            "Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution");
        Service("msexchange-management", "MSExchange Management");
        Service("printservice-admin", "Microsoft-Windows-PrintService/Admin");
        Service("printservice-operational", "Microsoft-Windows-PrintService/Operational");
        Service("terminalservices-localsessionmanager", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational");
        Service("smbclient-security", "Microsoft-Windows-SmbClient/Security");
        Service("smbclient-connectivity", "Microsoft-Windows-SmbClient/Connectivity");
        Service("openssh", "OpenSSH/Operational");
        Service("ldap_debug", "Microsoft-Windows-LDAP-Client/Debug");
        Service("shell-core", "Microsoft-Windows-Shell-Core/Operational");
        Service("appxdeployment-server", "Microsoft-Windows-AppXDeploymentServer/Operational");
        Service("appxpackaging-om", "Microsoft-Windows-AppxPackagingOM/Operational");
        Service("appmodel-runtime", "Microsoft-Windows-AppModel-Runtime/Admin");
        Service("dhcp", "Microsoft-Windows-DHCP-Server/Operational");
        Service("capi2", "Microsoft-Windows-CAPI2/Operational");
        Service("certificateservicesclient-lifecycle-system", "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational");
        Service("diagnosis-scripted", "Microsoft-Windows-Diagnosis-Scripted/Operational");
        Service("security-mitigations", "Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode");
        Service("lsa-server", "Microsoft-Windows-LSA/Operational");
        Service("bitlocker", "Microsoft-Windows-BitLocker/BitLocker Management");
        Service("vhdmp", "Microsoft-Windows-VHDMP-Operational");
        Service("kernel-shimengine", "Microsoft-Windows-Kernel-ShimEngine/Operational");
        Service("hyper-v-worker", "Microsoft-Windows-Hyper-V-Worker");
        Service("iis-configuration", "Microsoft-IIS-Configuration/Operational");
        Service("microsoft-servicebus-client", "Microsoft-ServiceBus-Client");
        Service("sysmon-linux", LinuxSysmon);
        return list;
    }
}
