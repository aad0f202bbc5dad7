// The scenario runner's core: run a world's full probe suite in the pod sandbox, as the Job would, and check the
// world's expectations against its report (the Job's NDJSON, checked to be the report of the same run).
import type { Report } from '../../packages/core/src/types.ts';
import { loadWorld } from '../world/load.ts';
import type { World } from '../world/types.ts';
import { runInSandbox, type SandboxOptions, type SandboxResult } from '../sandbox/index.ts';
import { checkExpectations, formatConcluded, formatExpectation, type Check } from './expect.ts';

export interface WorldCheck extends Check {
  /** `ok <world> <expectation>` or `MISMATCH <world> <expectation> — concluded: ...` */
  line: string;
}

export interface WorldRun {
  world: World;
  warnings: string[];
  report: Report;
  checks: WorldCheck[];
  sandbox: SandboxResult;
}

export class ScenarioError extends Error {
  constructor(message: string, readonly sandbox?: SandboxResult) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Parses the product's JSON report from stdout; a run that printed none is an error, never a pass. */
export function parseReport(result: SandboxResult): Report {
  const text = result.stdout.trim();
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new ScenarioError(
      `world ${result.world.name}: gateway-doctor exited ${result.exitCode} without a JSON report` +
        `\n--- stdout ---\n${text.slice(0, 2000)}\n--- stderr ---\n${result.stderr.slice(-4000)}`,
      result,
    );
  }
  if (!report || typeof report !== 'object' || !Array.isArray((report as Report).outcomes))
    throw new ScenarioError(`world ${result.world.name}: the JSON on stdout is not a report (no outcomes)`, result);
  return report as Report;
}

/** How the scenario runner runs a world: the Job's own entrypoint, streaming NDJSON, as in a real pod. */
export const JOB_RUN: Pick<SandboxOptions, 'cmd' | 'env'> = {
  cmd: [process.execPath, '--import', 'tsx', 'packages/job/src/main.ts'],
  env: { GATEWAY_DOCTOR_OUTPUT: 'ndjson' },
};

/**
 * The Job's NDJSON: every line a versioned event, `done` last, and the outcomes streamed exactly the report's
 * (as a multiset: events come in finish order, the report in registry order). Anything else is an error.
 */
export function parseJobEvents(result: SandboxResult): Report {
  const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
  const fail = (why: string) =>
    new ScenarioError(`world ${result.world.name}: the Job's output ${why} (exit ${result.exitCode})\n--- stdout ---\n${result.stdout.slice(0, 2000)}\n--- stderr ---\n${result.stderr.slice(-4000)}`, result);
  const events: any[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      events.push(JSON.parse(line));
    } catch {
      throw fail(`has a line that is not JSON (line ${i + 1})`);
    }
  }
  if (!events.length) throw fail('is empty');
  if (events.some((e) => e?.schemaVersion !== 1 || !['probe-start', 'outcome', 'done'].includes(e?.type))) throw fail('has a line that is not a versioned event');
  const done = events.at(-1);
  if (done.type !== 'done' || events.filter((e) => e.type === 'done').length !== 1) throw fail('does not end with exactly one done event');
  const report = done.report as Report;
  if (!report || !Array.isArray(report.outcomes)) throw fail('has a done event without a report');
  const key = (o: Report['outcomes'][number]) => JSON.stringify([o.probe, o.subject ?? null, o.status, o.code, o.causes ?? []]);
  const streamed = events.filter((e) => e.type === 'outcome').map((e) => key(e.outcome)).sort();
  const reported = report.outcomes.map(key).sort();
  if (JSON.stringify(streamed) !== JSON.stringify(reported)) throw fail(`streamed ${streamed.length} outcomes that are not the report's ${reported.length}`);
  if (report.exitCode !== result.exitCode) throw fail(`exited ${result.exitCode} but its report says ${report.exitCode}`);
  return report;
}

export function checkWorld(world: World, report: Report): WorldCheck[] {
  return checkExpectations(world.expect, report.outcomes).map((c) => ({
    ...c,
    line: c.ok
      ? `ok ${world.name} ${formatExpectation(c.expectation)}`
      : `MISMATCH ${world.name} ${formatExpectation(c.expectation)} — concluded: ${formatConcluded(c.concluded)}`,
  }));
}

/** Loads the world (WorldError when invalid), runs it in the sandbox and checks every expectation. */
export async function runWorld(path: string, options: Omit<SandboxOptions, 'world'> = {}): Promise<WorldRun> {
  const { world, warnings } = loadWorld(path);
  // The Job's way unless the caller chose a command: its NDJSON must be the report of the same run.
  const asJob = !options.cmd && !options.args && !options.steps;
  const sandbox = await runInSandbox({ ...(asJob ? JOB_RUN : {}), ...options, ...(asJob ? { env: { ...JOB_RUN.env, ...options.env } } : {}), world });
  const report = asJob ? parseJobEvents(sandbox) : parseReport(sandbox);
  return { world, warnings, report, checks: checkWorld(world, report), sandbox };
}
