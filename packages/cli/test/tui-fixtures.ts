// Fake run sources and outcomes for the TUI's component tests (no runner, no AWS).
import type { Outcome, Report, RunEvent, Status } from '@gateway-doctor/core/types.ts';
import type { ProbeNode } from '../src/tui/model.ts';
import type { RunSource } from '../src/tui/source.ts';

export const graph: ProbeNode[] = [
  { id: 'identity.env', area: 'identity', needs: [], after: [] },
  { id: 'identity.caller', area: 'identity', needs: [], after: ['identity.env'] },
  { id: 'identity.self-assume', area: 'identity', needs: ['identity.caller'], after: ['policy.trust', 'policy.permissions'] },
  { id: 'policy.trust', area: 'policy', needs: [], after: [] },
  { id: 'policy.permissions', area: 'policy', needs: [], after: [] },
  { id: 'secrets.read', area: 'secrets', needs: ['identity.caller'], after: ['policy.permissions'] },
  { id: 'network.dns', area: 'network', needs: [], after: [] },
  { id: 'network.tcp', area: 'network', needs: ['network.dns'], after: [] },
];

export const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
export const SELF_ASSUME_FIX = `aws iam update-assume-role-policy --role-name ai-gateway --policy-document file://trust.json`;

export function outcome(probe: string, status: Status, code: string, extra: Partial<Outcome> = {}): Outcome {
  return { probe, status, code, summary: `${probe} ${code}`, evidence: {}, durationMs: 12, ...extra };
}

export const outcomes: Outcome[] = [
  outcome('identity.env', 'pass', 'OK'),
  outcome('identity.caller', 'pass', 'OK', { evidence: { arn: `${ROLE}/session` } }),
  outcome('identity.self-assume', 'fail', 'SELF_ASSUME_DENIED', {
    summary: 'The role may not assume itself: AccessDenied on sts:AssumeRole',
    causes: ['TRUST_SELF_MISSING'],
    evidence: { requestId: 'req-1234', httpStatus: 403 },
    remedy: {
      text: 'Add the self statement to the trust policy, then update it:',
      commands: [SELF_ASSUME_FIX],
      policy: { Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    },
    docs: 'docs/probes/identity.self-assume.md',
  }),
  outcome('policy.trust', 'fail', 'TRUST_SELF_MISSING', { summary: 'No statement admits the role itself' }),
  outcome('policy.permissions', 'warn', 'PERMISSION_SELF_ASSUME_MISSING'),
  outcome('secrets.read', 'pass', 'OK', { subject: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/redshift-AbCdEf' }),
  outcome('network.dns', 'pass', 'OK', { subject: 'warehouse' }),
  outcome('network.tcp', 'error', 'PROBE_TIMEOUT', { subject: 'warehouse' }),
];

export function reportOf(list: Outcome[], exitCode = 3): Report {
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const o of list) summary[o.status]++;
  return {
    schemaVersion: 1,
    tool: { name: 'gateway-doctor', version: '0.1.0' },
    context: { where: 'pod', roleArn: ROLE, namespace: 'ai', serviceAccount: 'gateway', cluster: 'prod-eks', region: 'eu-west-1' },
    startedAt: '2026-12-03T10:00:00.000Z',
    durationMs: 1234,
    outcomes: list,
    summary,
    exitCode,
  };
}

/** A source whose events the test pushes one by one; every start() is recorded with its `only`. */
export class ScriptedSource implements RunSource {
  graph = graph;
  starts: (string[] | undefined)[] = [];
  previous: (Outcome[] | undefined)[] = [];
  private queue: RunEvent[] = [];
  private waiting?: () => void;
  private ended = false;

  push(...events: RunEvent[]) {
    this.queue.push(...events);
    this.waiting?.();
  }
  end() {
    this.ended = true;
    this.waiting?.();
  }
  async *start(only: string[] | undefined, signal: AbortSignal, previous?: Outcome[]): AsyncIterable<RunEvent> {
    this.starts.push(only);
    this.previous.push(previous);
    this.ended = false;
    while (!signal.aborted) {
      const event = this.queue.shift();
      if (event) {
        yield event;
        if (event.type === 'done') return;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}

export const start = (probe: string, subject?: string): RunEvent => ({ schemaVersion: 1, type: 'probe-start', probe, subject });
export const out = (o: Outcome): RunEvent => ({ schemaVersion: 1, type: 'outcome', outcome: o });
export const done = (report: Report): RunEvent => ({ schemaVersion: 1, type: 'done', report });

/** Every event of a complete run of `list`. */
export function fullRun(list: Outcome[], exitCode = 3): RunEvent[] {
  return [...list.flatMap((o) => [start(o.probe, o.subject), out(o)]), done(reportOf(list, exitCode))];
}
