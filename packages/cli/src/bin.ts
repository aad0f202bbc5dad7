#!/usr/bin/env node
// The `gateway-doctor` dispatcher: picks the subcommand and imports only its module (start-up is measured:
// `--version` loads nothing of the core). No subcommand opens the TUI (commands/tui.ts), which falls back to the
// plain run when it cannot; without a TUI module, the plain run.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { redact } from '@gateway-doctor/core/redact.ts';

type CommandModule = { main(argv: string[]): Promise<number> };

// Literal import paths, one per command, so bundlers and the module graph stay explicit.
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  run: () => import('./commands/run.ts'),
  list: () => import('./commands/list.ts'),
  render: () => import('./commands/render.ts'),
  version: () => import('./commands/version.ts'),
  tui: () => import('./commands/tui.ts'),
  cluster: () => import('./commands/cluster.ts' as string),
  lint: () => import('./commands/lint.ts' as string),
  policy: () => import('./commands/policy.ts' as string),
};

export const USAGE = `Usage: gateway-doctor [command] [options]

Diagnoses an AI gateway's AWS setup on EKS: Pod Identity, self-assume, session tags, Secrets Manager, network reach.

Commands:
  (none)     the interactive terminal UI (plain report when it cannot run)
  run        run the probes and print a report (--format text|json|junit|sarif|markdown)
  list       list the probes
  render     turn saved NDJSON events (from the Job) into a report
  cluster    run the probes as a Job in the cluster and show the results
  lint       check policy documents offline
  policy     print the correct trust and permission policies
  --version  print the version

gateway-doctor <command> --help for its options.`;

function isMissingModule(err: unknown, name: string): boolean {
  const e = err as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`commands/${name}.ts`);
}

async function load(name: string): Promise<CommandModule | undefined> {
  try {
    return await COMMANDS[name]!();
  } catch (err) {
    if (isMissingModule(err, name)) return undefined;
    throw err;
  }
}

export async function dispatch(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') return (await load('version'))!.main(rest);
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (first !== undefined && !first.startsWith('-')) {
    if (!COMMANDS[first] || first === 'tui') {
      process.stderr.write(`gateway-doctor: unknown command ${JSON.stringify(first)}\n\n${USAGE}\n`);
      return 2;
    }
    const mod = await load(first);
    if (!mod) {
      process.stderr.write(`gateway-doctor: the ${first} command is not available in this build\n`);
      return 2;
    }
    return mod.main(rest);
  }
  const tui = await load('tui');
  if (tui) return tui.main(argv);
  return (await load('run'))!.main(argv);
}

/** Waits until both streams have flushed, so a piped report is never cut short by the exit. */
function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

/** Runs the CLI with process.argv and exits with its code. */
export async function runCli(): Promise<void> {
  let code: number;
  try {
    code = await dispatch(process.argv.slice(2));
  } catch (err) {
    const e = err as Error;
    const debug = process.argv.includes('--debug') || !!process.env.GATEWAY_DOCTOR_DEBUG;
    process.stderr.write(`gateway-doctor: internal error: ${redact(e?.message ?? String(err))}\n`);
    if (debug && e?.stack) process.stderr.write(`${redact(e.stack)}\n`);
    code = 1;
  }
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  // Exit now: a probe that ignored its deadline may still hold a socket open; its result no longer matters.
  process.exit(code);
}

// Run when this file is the entry point (`node --import tsx packages/cli/src/bin.ts`); the bin shim calls runCli().
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint()) void runCli();
