// `gateway-doctor run`: load the config, run the probes, stream the plain live lines, write the report.
// Human text goes to stderr whenever the report itself goes to stdout in a machine format. Exit codes: DESIGN.md.
import { accessSync, constants as fsConstants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Where } from '@gateway-doctor/core/types.ts';
import { EXIT } from '@gateway-doctor/core/types.ts';
import { loadConfig, isConfigError, CONFIG_FLAGS } from '@gateway-doctor/core/config.ts';
import { detectWhere } from '@gateway-doctor/core/where.ts';
import { redact } from '@gateway-doctor/core/redact.ts';
import { formats, renderReport, isMachineFormat } from '@gateway-doctor/core/report/index.ts';
import { colorAllowed, formatCounts } from '@gateway-doctor/core/report/text.ts';
import { renderPlainLive } from '../plain.ts';

export const DEFAULT_CONFIG_PATH = '/etc/gateway-doctor/config.yaml';

/** Why `path` cannot take the report (without creating or truncating it), or undefined when it can. */
export function outputProblem(path: string): string | undefined {
  if (path === '') return 'needs a file name';
  const full = resolve(path);
  const statOf = (p: string) => {
    try {
      return statSync(p, { throwIfNoEntry: false });
    } catch {
      return undefined; // ENOTDIR: a file where a directory should be, reported below
    }
  };
  const stat = statOf(full);
  if (stat?.isDirectory()) return 'is a directory, not a file';
  const dir = dirname(full);
  const dirStat = statOf(dir);
  if (!dirStat) return existsSync(dirname(dir)) && !statOf(dirname(dir))?.isDirectory() ? `${dirname(dir)} is not a directory` : `its directory ${dir} does not exist`;
  if (!dirStat.isDirectory()) return `${dir} is not a directory`;
  try {
    accessSync(stat ? full : dir, fsConstants.W_OK);
  } catch {
    return stat ? 'is not writable' : `its directory ${dir} is not writable`;
  }
  return undefined;
}

export const RUN_USAGE = `Usage: gateway-doctor run [--config FILE] [--format text|json|junit|sarif|markdown] [--output FILE]
                          [--where pod|laptop] [--only id,id] [--warn-ok] [--debug] [--<config-field> VALUE ...]

Runs the probes and writes the report. The config comes from FILE (default: $GATEWAY_DOCTOR_CONFIG, else
${DEFAULT_CONFIG_PATH} when it exists), then GATEWAY_DOCTOR_<FIELD> variables, then flags such as
--role-arn, --region, --cluster-name, --secrets a,b, --targets '[{"name":"db","host":"h","port":5432}]',
--probe-timeout-ms, --concurrency.
Exit: 0 all pass, 2 usage/config error, 3 a failure, 4 warnings only (0 with --warn-ok), 5 undecided, 1 internal.`;

export interface ParsedArgs {
  /** Positional arguments. */
  positional: string[];
  /** Switches and values by name without dashes; values repeated become arrays. */
  values: Record<string, string | string[]>;
  switches: Set<string>;
  problems: string[];
}

/** A small argv parser: `--name value`, `--name=value`, boolean switches, positionals; `-h` is `--help`. */
export function parseArgs(argv: string[], booleans: ReadonlySet<string>): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: {}, switches: new Set(), problems: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      out.switches.add('help');
      continue;
    }
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) out.problems.push(`unknown option ${arg}`);
      else out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.has(name)) {
      if (eq >= 0) {
        const v = arg.slice(eq + 1);
        if (v === 'false' || v === '0') continue;
      }
      out.switches.add(name);
      continue;
    }
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        out.problems.push(`--${name} needs a value`);
        continue;
      }
      i++;
    }
    const previous = out.values[name];
    out.values[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
}

export const last = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);

const RUN_BOOLEANS = new Set(['help', 'warn-ok', 'debug', 'plain', 'tui', 'no-color']);
const RUN_VALUES = new Set(['config', 'format', 'output', 'where', 'only']);

function usageError(message: string, usage = RUN_USAGE): number {
  process.stderr.write(`gateway-doctor: ${redact(message)}\n\n${usage}\n`);
  return EXIT.USAGE;
}

/** Prints a ConfigError's problems (never a stack) and returns exit 2. */
export function reportConfigError(err: unknown): number {
  if (isConfigError(err)) {
    process.stderr.write(`gateway-doctor: invalid configuration:\n${err.problems.map((p) => `  ${redact(p.path)}: ${redact(p.message)}`).join('\n')}\n`);
    return EXIT.USAGE;
  }
  throw err;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, RUN_BOOLEANS);
  if (args.switches.has('help')) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return EXIT.OK;
  }
  if (args.problems.length) return usageError(args.problems.join('; '));
  if (args.positional.length) return usageError(`unexpected argument ${JSON.stringify(args.positional[0])}`);
  const configFlags: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(args.values)) {
    if (RUN_VALUES.has(name)) continue;
    if (!CONFIG_FLAGS.has(name)) return usageError(`unknown option --${name}`);
    configFlags[name] = value;
  }
  const format = last(args.values.format) ?? 'text';
  if (!formats[format]) return usageError(`--format must be one of ${Object.keys(formats).join(', ')}, got ${JSON.stringify(format)}`);
  const whereFlag = last(args.values.where);
  if (whereFlag !== undefined && whereFlag !== 'pod' && whereFlag !== 'laptop') return usageError(`--where must be pod or laptop, got ${JSON.stringify(whereFlag)}`);
  const output = last(args.values.output);
  const only = args.values.only === undefined ? undefined : ([] as string[]).concat(args.values.only).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (only !== undefined && only.length === 0) return usageError('--only needs probe ids (see gateway-doctor list), got none');
  const env = process.env;
  const debugOn = args.switches.has('debug') || (env.GATEWAY_DOCTOR_DEBUG !== undefined && env.GATEWAY_DOCTOR_DEBUG !== '' && env.GATEWAY_DOCTOR_DEBUG !== '0');
  const debug = debugOn ? (line: string) => process.stderr.write(`debug: ${redact(line)}\n`) : undefined;

  const where = detectWhere(env, whereFlag as Where | undefined);
  const file = last(args.values.config) ?? (env.GATEWAY_DOCTOR_CONFIG || (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined));
  let config;
  try {
    config = loadConfig({ ...(file !== undefined ? { file } : {}), env, flags: configFlags, where });
  } catch (err) {
    const code = reportConfigError(err);
    // "roleArn: required" alone does not tell a newcomer that no config file was read at all
    if (file === undefined) process.stderr.write(`  (no config file was read: pass --config FILE, or set GATEWAY_DOCTOR_CONFIG; ${DEFAULT_CONFIG_PATH} does not exist)\n`);
    return code;
  }

  // --output is checked before any probe runs: a run whose report cannot be written is a usage error, and
  // nothing (no live lines, no AWS call) should happen first
  if (output !== undefined) {
    const problem = outputProblem(output);
    if (problem) {
      process.stderr.write(`gateway-doctor: --output ${output}: ${problem}\n`);
      return EXIT.USAGE;
    }
  }

  const { runProbes, selectProbes } = await import('@gateway-doctor/core/runner.ts');
  const { buildRegistry } = await import('@gateway-doctor/core/registry.ts');
  const registry = buildRegistry();
  if (only) {
    try {
      selectProbes(registry, only);
    } catch (err) {
      return usageError((err as Error).message);
    }
  }

  // Where the human lines go: stdout when the report goes to a file, stderr when a machine report takes stdout,
  // and for a text report on stdout, stderr only when someone is watching it.
  const reportToStdout = output === undefined;
  const liveStream = !reportToStdout ? process.stdout : isMachineFormat(format) || process.stderr.isTTY ? process.stderr : undefined;
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  let report;
  try {
    // the laptop's pod-only skips name `cluster` with the same config, so the command pastes as is
    const configFlag = last(args.values.config);
    const clusterCommand = configFlag !== undefined ? `gateway-doctor cluster --config ${/^[\w@%+=:,./-]+$/.test(configFlag) ? configFlag : `'${configFlag.replace(/'/g, `'\\''`)}'`}` : undefined;
    const events = runProbes(config, { where, env, only, warnOk: args.switches.has('warn-ok'), signal: controller.signal, debug, ...(clusterCommand ? { clusterCommand } : {}) });
    report = await renderPlainLive(events, {
      write: liveStream ? (text) => liveStream.write(text) : () => {},
      color: liveStream ? colorAllowed(liveStream, env) && !args.switches.has('no-color') : false,
      counts: liveStream !== undefined && (liveStream !== process.stdout || !reportToStdout),
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const color = reportToStdout && format === 'text' ? colorAllowed(process.stdout, env) && !args.switches.has('no-color') : false;
  const rendered = renderReport(format, report, { color });
  if (output !== undefined) {
    try {
      writeFileSync(output, rendered);
    } catch (err) {
      process.stderr.write(`gateway-doctor: cannot write ${output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return EXIT.USAGE;
    }
    if (liveStream === process.stdout) process.stdout.write(`report written to ${output} (${format})\n`);
  } else {
    process.stdout.write(rendered);
  }
  void formatCounts;
  return report.exitCode;
}
