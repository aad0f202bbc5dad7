// Checking a world's `expect` against the outcomes a run concluded (WORLD.md "Expectations"): an expectation
// holds when at least one outcome matches every field it names — a code also matches one in the outcome's
// causes —; with `count: N`, when exactly N outcomes match.
import type { Outcome } from '../../packages/core/src/types.ts';
import type { Expectation } from '../world/types.ts';

export interface Check {
  expectation: Expectation;
  ok: boolean;
  /** the outcomes that matched every named field */
  matched: Outcome[];
  /** what the run concluded about this expectation's probe (its outcomes), for the MISMATCH line */
  concluded: Outcome[];
}

export function outcomeMatches(e: Expectation, o: Outcome): boolean {
  if (e.probe !== undefined && o.probe !== e.probe) return false;
  if (e.subject !== undefined && o.subject !== e.subject) return false;
  if (e.status !== undefined && o.status !== e.status) return false;
  if (e.code !== undefined && o.code !== e.code && !(o.causes ?? []).includes(e.code)) return false;
  return true;
}

export function checkExpectation(e: Expectation, outcomes: Outcome[]): Check {
  const matched = outcomes.filter((o) => outcomeMatches(e, o));
  const ok = e.count !== undefined ? matched.length === e.count : matched.length > 0;
  let concluded: Outcome[];
  if (e.probe !== undefined) concluded = outcomes.filter((o) => o.probe === e.probe && (e.subject === undefined || o.subject === e.subject));
  else if (e.count !== undefined) concluded = matched;
  else concluded = outcomes.filter((o) => (e.subject === undefined || o.subject === e.subject) && (e.status === undefined || o.status === e.status));
  return { expectation: e, ok, matched, concluded };
}

export function checkExpectations(expect: Expectation[], outcomes: Outcome[]): Check[] {
  return expect.map((e) => checkExpectation(e, outcomes));
}

/** `{ probe: identity.agent, subject: x, status: fail, code: AGENT_UNREACHABLE, count: 1 }` */
export function formatExpectation(e: Expectation): string {
  const parts: string[] = [];
  for (const key of ['probe', 'subject', 'status', 'code', 'count'] as const) if (e[key] !== undefined) parts.push(`${key}: ${e[key]}`);
  return `{ ${parts.join(', ')} }`;
}

/** `identity.agent fail AGENT_UNREACHABLE (causes: X, Y)` per outcome; `nothing` when there is none. */
export function formatConcluded(outcomes: Outcome[]): string {
  if (!outcomes.length) return 'nothing';
  return outcomes
    .map((o) => {
      const subject = o.subject !== undefined ? `[${o.subject}]` : '';
      const causes = o.causes?.length ? ` (causes: ${o.causes.join(', ')})` : '';
      return `${o.probe}${subject} ${o.status} ${o.code}${causes}`;
    })
    .join('; ');
}
