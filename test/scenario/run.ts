// The scenario runner's core: run a world's full probe suite in the pod sandbox, as the Job would, and check the
// world's expectations against the JSON report.
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
  const sandbox = await runInSandbox({ ...options, world });
  const report = parseReport(sandbox);
  return { world, warnings, report, checks: checkWorld(world, report), sandbox };
}
