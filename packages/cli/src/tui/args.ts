// The UI's command line: its own switches, and everything else kept as given for the config loader (or for
// `run`, when the plain renderer takes over). Deliberately light: it runs before the first frame.
export interface TuiArgs {
  plain: boolean;
  tui: boolean;
  help: boolean;
  warnOk: boolean;
  debug: boolean;
  config?: string;
  where?: string;
  only?: string[];
  saveDir?: string;
  /** `--format`/`--output` ask for a report, not a UI: the plain path serves them. */
  wantsReport: boolean;
  /** Config flags by kebab name (`role-arn`), for loadConfig. */
  flags: Record<string, string | string[]>;
  /** argv without the UI-only switches, for `run`. */
  runArgv: string[];
  problems: string[];
}

const BOOLEAN = new Set(['plain', 'tui', 'help', 'warn-ok', 'debug']);
const UI_ONLY = new Set(['plain', 'tui', 'save-dir']);

export function parseTuiArgs(argv: string[]): TuiArgs {
  const args: TuiArgs = { plain: false, tui: false, help: false, warnOk: false, debug: false, wantsReport: false, flags: {}, runArgv: [], problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      args.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      args.problems.push(`unexpected argument ${JSON.stringify(arg)}`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (!BOOLEAN.has(name) && value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        args.problems.push(`--${name} needs a value`);
        continue;
      }
      i++;
    }
    if (!UI_ONLY.has(name)) args.runArgv.push(`--${name}`, ...(value === undefined ? [] : [value]));
    switch (name) {
      case 'plain':
        args.plain = true;
        break;
      case 'tui':
        args.tui = true;
        break;
      case 'help':
        args.help = true;
        break;
      case 'warn-ok':
        args.warnOk = true;
        break;
      case 'debug':
        args.debug = true;
        break;
      case 'config':
        args.config = value;
        break;
      case 'where':
        if (value !== 'pod' && value !== 'laptop') args.problems.push(`--where must be pod or laptop, got ${JSON.stringify(value)}`);
        args.where = value;
        break;
      case 'only':
        args.only = value!.split(',').map((id) => id.trim()).filter(Boolean);
        break;
      case 'save-dir':
        args.saveDir = value;
        break;
      case 'format':
      case 'output':
        args.wantsReport = true;
        break;
      default: {
        const previous = args.flags[name];
        args.flags[name] = previous === undefined ? value! : [...(Array.isArray(previous) ? previous : [previous]), value!];
      }
    }
  }
  return args;
}

export const TUI_USAGE = `Usage: gateway-doctor [--config FILE] [--where pod|laptop] [--only ids] [--warn-ok] [--save-dir DIR]
                      [--plain | --tui] [--<config-field> VALUE ...]

Opens the interactive diagnosis in a terminal; the plain report when stdout/stdin is not a terminal, under CI,
with TERM=dumb or --plain. Keys: ↑/↓ j/k select, enter details, f failures only, r re-run the selected probe,
R re-run all, s save json + markdown, q quit. Other commands: gateway-doctor run|list|render|cluster --help.`;
