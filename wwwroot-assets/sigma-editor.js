// The rule editor's side of Monaco: the Sigma language, completion, hover help, validation markers and
// the unsaved-changes guard. Blazor calls these through JS interop; BlazorMonaco owns the editor instances.
(function () {
  const modifiers = {
    contains: "Matches when the value occurs anywhere in the field (wildcards around it).",
    startswith: "Matches when the field starts with the value.",
    endswith: "Matches when the field ends with the value.",
    all: "All values of the list must match (AND instead of OR).",
    exists: "true: the field is present; false: it is absent.",
    cased: "Compares case-sensitively (Sigma is case-insensitive by default).",
    neq: "The field exists and equals none of the values.",
    windash: "Also matches the value with '-' replaced by '/', '–', '—' and '―' (Windows option dashes).",
    re: "The value is a regular expression (add i, m or s for flags).",
    i: "Regular expression flag: case-insensitive.",
    m: "Regular expression flag: multi-line.",
    s: "Regular expression flag: dot matches new lines.",
    base64: "Matches the Base64 encoding of the value.",
    base64offset: "Matches the value Base64-encoded at each of the three byte offsets.",
    utf16le: "Encodes the value as UTF-16LE (use before base64).",
    utf16be: "Encodes the value as UTF-16BE (use before base64).",
    utf16: "Encodes the value as UTF-16 with a byte order mark (use before base64).",
    wide: "Alias of utf16le.",
    lt: "Numeric: less than.",
    lte: "Numeric: less than or equal.",
    gt: "Numeric: greater than.",
    gte: "Numeric: greater than or equal.",
    minute: "Compares the minute of a timestamp field.",
    hour: "Compares the hour of a timestamp field.",
    day: "Compares the day of month of a timestamp field.",
    week: "Compares the week of year of a timestamp field.",
    month: "Compares the month of a timestamp field.",
    year: "Compares the year of a timestamp field.",
    cidr: "The value is an IPv4 or IPv6 network in CIDR notation.",
    expand: "Replaces %placeholders% in the value with configured values.",
    fieldref: "The value names another field of the same event to compare with.",
  };
  const topLevelKeys = ["title", "id", "name", "related", "status", "description", "references", "author", "date", "modified",
    "tags", "logsource", "detection", "fields", "falsepositives", "level", "license", "taxonomy", "scope"];
  const logsourceValues = {
    product: ["windows", "linux", "macos", "aws", "azure", "gcp", "m365", "okta", "github", "zeek"],
    category: ["process_creation", "file_event", "file_delete", "file_rename", "network_connection", "dns_query", "image_load",
      "registry_set", "registry_add", "registry_delete", "registry_event", "ps_script", "ps_module", "driver_load", "process_access",
      "create_remote_thread", "pipe_created", "wmi_event", "webserver", "proxy", "firewall", "antivirus"],
    service: ["security", "system", "sysmon", "powershell", "application", "windefend", "taskscheduler", "cloudtrail", "auditd"],
  };
  const levels = ["informational", "low", "medium", "high", "critical"];
  const statuses = ["stable", "test", "experimental", "deprecated", "unsupported"];
  const tactics = ["reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
    "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control", "exfiltration", "impact"];
  let registered = false;
  let techniques = null;

  // Technique ids and names of the ATT&CK data the server ships, fetched once, on the first completion of a tag.
  function loadTechniques() {
    techniques ??= fetch("/api/v1/attack/techniques", { credentials: "same-origin" })
      .then(response => response.ok ? response.json() : [])
      .catch(() => []);
    return techniques;
  }

  function register() {
    if (typeof monaco === "undefined") return;
    monaco.editor.setTheme(document.documentElement.dataset.theme === "dark" ? "vs-dark" : "vs");
    if (registered) return;
    registered = true;
    monaco.languages.register({ id: "sigma" });
    monaco.languages.setMonarchTokensProvider("sigma", {
      keys: topLevelKeys.concat(["selection", "filter", "condition", "product", "category", "service", "definition", "timeframe"]),
      tokenizer: {
        root: [
          [/#.*$/, "comment"],
          [/\b(and|or|not|of|them|all|1)\b(?=[^:]*$)/, "keyword"],
          [/^(\s*-\s*)?([A-Za-z_][\w.\-]*)(\|[\w|]+)(\s*:)/, ["delimiter", "type.identifier", "keyword", "delimiter"]],
          [/^(\s*-\s*)?([A-Za-z_][\w.\-]*)(\s*:)/, ["delimiter", { cases: { "$2@keys": "type", "@default": "variable" } }, "delimiter"]],
          [/'([^']|'')*'/, "string"],
          [/"([^"\\]|\\.)*"/, "string"],
          [/\b(true|false|null)\b/, "keyword"],
          // Whole words first, so the digits inside attack.t1033 or T1059 are not taken for numbers.
          [/[A-Za-z_][\w.\-]*/, ""],
          [/\d+(\.\d+)?\b/, "number"],
          [/[-|>]/, "delimiter"],
        ],
      },
    });
    monaco.languages.setLanguageConfiguration("sigma", {
      comments: { lineComment: "#" },
      brackets: [["[", "]"], ["(", ")"]],
      autoClosingPairs: [{ open: "'", close: "'" }, { open: '"', close: '"' }, { open: "[", close: "]" }, { open: "(", close: ")" }],
    });
    monaco.languages.registerCompletionItemProvider("sigma", {
      triggerCharacters: ["|", ":", " ", "."],
      provideCompletionItems(model, position) {
        const line = model.getLineContent(position.lineNumber).substring(0, position.column - 1);
        const word = model.getWordUntilPosition(position);
        const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
        const kinds = monaco.languages.CompletionItemKind;
        const item = (label, kind, detail, insertText) => ({ label, kind, detail, insertText: insertText ?? label, range });
        if (/\|[\w|]*$/.test(line) && !/:/.test(line.split("|").pop())) {
          return { suggestions: Object.entries(modifiers).map(([name, doc]) => item(name, kinds.Operator, doc)) };
        }
        const logsourceKey = /^\s+(product|category|service)\s*:\s*\S*$/.exec(line);
        if (logsourceKey) {
          return { suggestions: logsourceValues[logsourceKey[1]].map(v => item(v, kinds.Value, logsourceKey[1])) };
        }
        if (/^level\s*:\s*\S*$/.test(line)) return { suggestions: levels.map(v => item(v, kinds.Value, "level")) };
        if (/^status\s*:\s*\S*$/.test(line)) return { suggestions: statuses.map(v => item(v, kinds.Value, "status")) };
        if (/^\s*-\s*attack\.?[\w.\-]*$/.test(line) || /^\s*-\s*$/.test(line) && model.getValue().includes("tags:")) {
          return loadTechniques().then(list => ({
            suggestions: tactics.map(t => item("attack." + t, kinds.Enum, "ATT&CK tactic"))
              .concat(list.map(t => ({ ...item("attack." + t.id.toLowerCase(), kinds.Enum, t.id + " " + t.name), filterText: "attack." + t.id.toLowerCase() + " " + t.name }))),
          }));
        }
        if (/^\w*$/.test(line)) {
          return { suggestions: topLevelKeys.map(k => item(k, kinds.Property, "Sigma rule key", k + ": ")) };
        }
        return { suggestions: [] };
      },
    });
    monaco.languages.registerHoverProvider("sigma", {
      provideHover(model, position) {
        const word = model.getWordAtPosition(position);
        if (!word) return null;
        const line = model.getLineContent(position.lineNumber);
        const before = line.substring(0, word.startColumn - 1);
        if (!before.includes("|") || !modifiers[word.word]) return null;
        return {
          range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
          contents: [{ value: "**|" + word.word + "**" }, { value: modifiers[word.word] }],
        };
      },
    });
  }

  function editor(id) {
    return window.blazorMonaco && window.blazorMonaco.editor.getEditor(id, true);
  }

  window.sigmaEditor = {
    register,
    setMarkers(id, diagnostics) {
      const ed = editor(id);
      if (!ed) return;
      const model = ed.getModel();
      const markers = diagnostics.map(d => {
        const line = Math.min(Math.max(1, d.line), model.getLineCount());
        const word = model.getWordAtPosition({ lineNumber: line, column: d.column });
        const endColumn = word ? word.endColumn : model.getLineMaxColumn(line);
        return {
          severity: d.isError ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          message: d.message,
          code: d.code,
          source: "CraftedSignal",
          startLineNumber: line,
          startColumn: Math.max(1, d.column),
          endLineNumber: line,
          endColumn: Math.max(endColumn, d.column + 1),
        };
      });
      monaco.editor.setModelMarkers(model, "sigma", markers);
    },
    markerCount(id) {
      const ed = editor(id);
      return ed ? monaco.editor.getModelMarkers({ resource: ed.getModel().uri }).length : -1;
    },
    reveal(id, line, column) {
      const ed = editor(id);
      if (!ed) return;
      ed.setPosition({ lineNumber: line, column });
      ed.revealLineInCenter(line);
      ed.focus();
    },
    // Side by side where there is room, one inline column on a phone; follows the container as it resizes.
    fitDiff(id) {
      const ed = editor(id);
      if (!ed || ed._fitsDiff) return;
      ed._fitsDiff = true;
      const container = ed.getContainerDomNode();
      const apply = () => ed.updateOptions({ renderSideBySide: container.clientWidth >= 720 });
      apply();
      new ResizeObserver(apply).observe(container);
    },
    guardUnload(enabled) {
      window.onbeforeunload = enabled ? (e => { e.preventDefault(); e.returnValue = ""; return ""; }) : null;
    },
  };
})();
