// The in-pod entrypoint (the Job's container command). Reads the config mounted from the ConfigMap and the
// downward-API env, runs every probe, and writes either the text report (for `kubectl logs`) or, with
// `options.output: ndjson` (what `gateway-doctor cluster` sets), the versioned events one per line and nothing
// else. A compact JSON summary (< 4096 bytes) goes to the termination log. Exit codes: DESIGN.md.
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report, Where } from '@gateway-doctor/core/types.ts';
import { EXIT } from '@gateway-doctor/core/types.ts';
import { loadConfig, isConfigError } from '@gateway-doctor/core/config.ts';
import { detectWhere, isWhere } from '@gateway-doctor/core/where.ts';
import { redact } from '@gateway-doctor/core/redact.ts';
import { runProbes } from '@gateway-doctor/core/runner.ts';
import { eventLine } from '@gateway-doctor/core/report/json.ts';
import { renderText } from '@gateway-doctor/core/report/text.ts';

export const DEFAULT_CONFIG_PATH = '/etc/gateway-doctor/config.yaml';
export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';
/** Kubernetes keeps at most 4096 bytes of a termination message. */
export const TERMINATION_LIMIT = 4096;

export interface TerminationSummary {
  schemaVersion: 1;
  exitCode: number;
  summary?: Report['summary'];
  /** Codes of failing and undecided outcomes, `probe[/subject]:CODE`, most important first. */
  failing?: string[];
  truncated?: boolean;
  error?: string;
  problems?: string[];
  durationMs?: number;
}

/** Serialises `summary`, dropping list entries from the end until it fits `limit` bytes (and saying so). */
export function compactTermination(summary: TerminationSummary, limit = TERMINATION_LIMIT): string {
  const fits = (s: TerminationSummary) => Buffer.byteLength(JSON.stringify(s)) <= limit;
  let current: TerminationSummary = { ...summary };
  if (fits(current)) return JSON.stringify(current);
  for (const key of ['failing', 'problems'] as const) {
    const list = [...(current[key] ?? [])];
    while (list.length && !fits({ ...current, [key]: list, truncated: true })) list.pop();
    current = { ...current, [key]: list, truncated: true };
    if (fits(current)) return JSON.stringify(current);
  }
  // Still too long (a huge error message): keep the numbers.
  const minimal: TerminationSummary = { schemaVersion: 1, exitCode: summary.exitCode, ...(summary.summary ? { summary: summary.summary } : {}), truncated: true };
  if (current.error) minimal.error = current.error.slice(0, 512);
  return JSON.stringify(minimal);
}

export function terminationFromReport(report: Report): TerminationSummary {
  const rank = { fail: 0, error: 1, skip: 2, warn: 3, pass: 4 } as const;
  const failing = report.outcomes
    .filter((o) => o.status === 'fail' || o.status === 'error' || (o.status === 'skip' && o.code === 'NEEDS_UNMET'))
    .sort((a, b) => rank[a.status] - rank[b.status])
    .map((o) => `${o.probe}${o.subject !== undefined ? `/${o.subject}` : ''}:${o.code}`);
  return { schemaVersion: 1, exitCode: report.exitCode, summary: report.summary, failing, durationMs: report.durationMs };
}

export interface JobIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  writeTermination: (path: string, text: string) => void;
  signal?: AbortSignal;
}

export async function runJob(io: JobIo): Promise<number> {
  const { env } = io;
  const terminationPath = env.GATEWAY_DOCTOR_TERMINATION_LOG || DEFAULT_TERMINATION_LOG;
  const terminate = (summary: TerminationSummary) => {
    try {
      io.writeTermination(terminationPath, redact(compactTermination(summary)));
    } catch (err) {
      io.stderr(`gateway-doctor: cannot write the termination log ${terminationPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    }
  };
  const whereEnv = env.GATEWAY_DOCTOR_WHERE;
  const where: Where = isWhere(whereEnv) ? whereEnv : detectWhere(env);
  const file = env.GATEWAY_DOCTOR_CONFIG || DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = loadConfig({ file, env, where });
  } catch (err) {
    if (isConfigError(err)) {
      const problems = err.problems.map((p) => redact(`${p.path}: ${p.message}`));
      io.stderr(`gateway-doctor: invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
      terminate({ schemaVersion: 1, exitCode: EXIT.USAGE, error: 'invalid configuration', problems });
      return EXIT.USAGE;
    }
    throw err;
  }
  const ndjson = config.options.output === 'ndjson';
  const debugOn = !!env.GATEWAY_DOCTOR_DEBUG && env.GATEWAY_DOCTOR_DEBUG !== '0';
  let report: Report | undefined;
  for await (const event of runProbes(config, { where, env, signal: io.signal, debug: debugOn ? (line) => io.stderr(`debug: ${redact(line)}\n`) : undefined })) {
    if (ndjson) io.stdout(eventLine(event));
    if (event.type === 'done') report = event.report;
  }
  if (!report) throw new Error('the run ended without a report');
  if (!ndjson) io.stdout(renderText(report));
  terminate(terminationFromReport(report));
  return report.exitCode;
}

/** The process entry: real env, stdout/stderr, SIGTERM (activeDeadlineSeconds, node drain) ends the run cleanly. */
export async function main(): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('terminated'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return await runJob({
      env: process.env,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      writeTermination: (path, text) => writeFileSync(path, text),
      signal: controller.signal,
    });
  } catch (err) {
    const message = redact((err as Error)?.message ?? String(err));
    process.stderr.write(`gateway-doctor: internal error: ${message}\n`);
    try {
      writeFileSync(process.env.GATEWAY_DOCTOR_TERMINATION_LOG || DEFAULT_TERMINATION_LOG, compactTermination({ schemaVersion: 1, exitCode: EXIT.INTERNAL, error: message }));
    } catch {
      // Nothing more we can do: the exit code says it.
    }
    return EXIT.INTERNAL;
  }
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => (stream.writable ? stream.write('', () => resolve()) : resolve()));
}

// Started directly (node --import tsx packages/job/src/main.ts, or the bundle dist/main.mjs).
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint() && !process.env.GATEWAY_DOCTOR_JOB_NO_AUTORUN) {
  const code = await main();
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  // A probe that ignored its deadline may still hold a socket; the report is written, so leave now.
  process.exit(code);
}
