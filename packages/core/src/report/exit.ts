// Exit codes (DESIGN.md): 0 all pass (skips NOT_APPLICABLE allowed), 1 internal error, 2 usage/config error,
// 3 any fail, 5 no fail but something undecided (an error, or a skip NEEDS_UNMET), 4 no fail, nothing undecided,
// but warnings; `--warn-ok` turns 4 into 0 and nothing else.
import { EXIT, type Outcome, type Summary } from '../types.ts';

export function summarize(outcomes: readonly Outcome[]): Summary {
  const summary: Summary = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const o of outcomes) summary[o.status] += 1;
  return summary;
}

export function exitCodeFor(outcomes: readonly Outcome[], options: { warnOk?: boolean } = {}): number {
  if (outcomes.some((o) => o.status === 'fail')) return EXIT.FAIL;
  if (outcomes.some((o) => o.status === 'error' || (o.status === 'skip' && o.code === 'NEEDS_UNMET'))) return EXIT.UNDECIDED;
  if (outcomes.some((o) => o.status === 'warn')) return options.warnOk ? EXIT.OK : EXIT.WARN;
  return EXIT.OK;
}

/** What `--warn-ok` does to a finished report's code: 4 → 0, nothing else. */
export function applyWarnOk(exitCode: number, warnOk: boolean | undefined): number {
  return warnOk && exitCode === EXIT.WARN ? EXIT.OK : exitCode;
}
