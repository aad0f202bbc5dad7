// Faults (issue 8 item 2): the stand-in injects each kind of fault a real AWS API or the Pod Identity agent
// can produce (test/standin/faults.ts, a world's `faults` section), and the product — run unchanged in the pod
// sandbox — concludes `error` with the reason, never `fail`: a fault decides nothing about the setup
// (CATALOG.md "Findings vs errors"). Retries are bounded (a call is sent at most twice) and a throttle that
// clears is retried into a pass. The worlds are healthy-basic plus one fault each, built here; the world where
// everything throttles is test/worlds/faults/everything-throttles.yaml.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { loadWorld, parseWorld, WorldError } from '../world/load.ts';
import type { World } from '../world/types.ts';
import { FaultPlan, faultsSchema, serviceFault } from '../standin/faults.ts';
import type { ServiceModule } from '../standin/types.ts';
import { runInSandbox, REPO_ROOT, type SandboxResult } from '../sandbox/index.ts';
import { checkWorld, parseReport } from '../scenario/run.ts';
import type { Outcome, Report } from '../../packages/core/src/types.ts';

const BASE = join(REPO_ROOT, 'test/worlds/healthy-basic.yaml');
const THROTTLED_WORLD = join(REPO_ROOT, 'test/worlds/faults/everything-throttles.yaml');

function withFaults(faults: unknown, options?: Record<string, number>): World {
  const { world } = loadWorld(BASE);
  const w = structuredClone(world) as World;
  (w as any).faults = faultsSchema.parse(faults);
  if (options) (w.gateway as any).options = { ...(w.gateway as any).options, ...options };
  return w;
}

interface Run { report: Report; sandbox: SandboxResult; byProbe: (probe: string, subject?: string) => Outcome[] }

// two sandboxes at a time: the machine is shared
let active = 0;
const waiting: Array<() => void> = [];
async function run(world: World): Promise<Run> {
  if (active >= 2) await new Promise<void>((r) => waiting.push(r));
  active++;
  try {
    const sandbox = await runInSandbox({ world });
    const report = parseReport(sandbox);
    return { report, sandbox, byProbe: (p, s) => report.outcomes.filter((o) => o.probe === p && (s === undefined || o.subject === s)) };
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** Requests the product sent (the harness's are logged apart), counted per service:operation. */
function productCalls(r: Run): Map<string, number> {
  const m = new Map<string, number>();
  for (const q of r.sandbox.requests as Array<{ service: string; operation: string; harness: boolean }>) {
    if (q.harness) continue;
    const k = `${q.service}:${q.operation}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function noFail(t: Test, r: Run): void {
  const fails = r.report.outcomes.filter((o) => o.status === 'fail');
  t.same(fails.map((o) => `${o.probe} ${o.code}`), [], 'no outcome is a fail');
  t.equal(r.sandbox.exitCode, 5, 'exit 5: undecided, never 3 (fail) or 1 (internal)');
  t.equal(r.report.exitCode, 5, "the report's exitCode says 5 too");
}

function only(t: Test, outcomes: Outcome[], status: string, code: string, what: string): void {
  t.ok(outcomes.length > 0, `${what} has an outcome`);
  t.same(outcomes.map((o) => `${o.status} ${o.code}`), outcomes.map(() => `${status} ${code}`), `${what}: ${status} ${code}`);
}

t.test('the faults section is validated strictly, naming the field', async (t) => {
  const { world } = loadWorld(BASE);
  const base = { ...structuredClone(world) } as any;
  const text = (faults: unknown) => JSON.stringify({ ...base, faults });
  t.doesNotThrow(() => parseWorld(text({ latencyMs: 50, aws: [{ service: 'ec2', operation: 'DescribeVpcs', fault: 'throttle', times: 1 }], agent: 'hang' })));
  const bad: Array<[unknown, RegExp]> = [
    [{ aws: [{ fault: 'explode' }] }, /faults\.aws\[0\]\.fault|faults.aws.0.fault/],
    [{ aws: [{ fault: 'throttle', colour: 'red' }] }, /faults\.aws\[0\]|colour/],
    [{ aws: [{ service: 'dynamodb', fault: 'throttle' }] }, /faults\.aws\[0\]\.service|service/],
    [{ aws: [{ operation: 'describe-vpcs', fault: 'throttle' }] }, /operation/],
    [{ agent: '404' }, /faults\.agent/],
    [{ latencyMs: -1 }, /faults\.latencyMs/],
    [{ throttle: true }, /faults|throttle/],
  ];
  for (const [faults, re] of bad) {
    t.throws(() => parseWorld(text(faults)), re, `rejected: ${JSON.stringify(faults)}`);
    try { parseWorld(text(faults)); } catch (e) { t.ok(e instanceof WorldError, 'a WorldError, not a crash'); }
  }
});

t.test('the plan: first matching rule wins, `times` runs out, each protocol throttles in its own words', async (t) => {
  const plan = new FaultPlan(faultsSchema.parse({ aws: [
    { service: 'sts', operation: 'GetCallerIdentity', fault: 'throttle', times: 1 },
    { service: 'sts', fault: '503' },
    { fault: 'malformed' },
  ] }));
  t.equal(plan.pick('sts', 'GetCallerIdentity')?.fault, 'throttle');
  t.equal(plan.pick('sts', 'GetCallerIdentity')?.fault, '503', 'the first rule is used up');
  t.equal(plan.pick('sts', 'AssumeRole')?.fault, '503');
  t.equal(plan.pick('ec2', 'DescribeVpcs')?.fault, 'malformed');
  t.equal(new FaultPlan(faultsSchema.parse({})).pick('sts', 'AssumeRole'), undefined, 'no rules: no fault');
  const mod = (protocol: ServiceModule['protocol'], signingName: string) => ({ protocol, signingName, operations: {} }) as ServiceModule;
  const rows: Array<[ServiceModule, string, number]> = [
    [mod('query', 'sts'), 'Throttling', 400], [mod('ec2', 'ec2'), 'RequestLimitExceeded', 503],
    [mod('json', 'secretsmanager'), 'ThrottlingException', 400], [mod('rest-json', 'eks'), 'ThrottlingException', 429],
  ];
  for (const [m, code, status] of rows) {
    const f = serviceFault(m, 'throttle');
    t.same([f.code, f.httpStatus], [code, status], `${m.signingName} throttles with ${code} ${status}`);
  }
  for (const m of rows.map((r) => r[0])) {
    t.ok(serviceFault(m, '500').httpStatus === 500 && serviceFault(m, '503').httpStatus === 503, `${m.signingName}: 500 and 503 carry their status`);
  }
});

// every AWS API faults every call: the identity chain still works (the agent is not faulted) and each probe that
// asks AWS ends error with the reason. `calls` bounds the attempts: at most 2 per logical call; the
// everything-throttles world checks the counts against a clean run.
const awsKinds: Array<{ fault: string; code: string; options?: Record<string, number>; extra?: object }> = [
  { fault: '500', code: 'SERVICE_ERROR' },
  { fault: '503', code: 'SERVICE_ERROR' },
  { fault: 'slow', code: 'PROBE_TIMEOUT', options: { probeTimeoutMs: 3000, runTimeoutMs: 20000 }, extra: { ms: 60000 } },
  { fault: 'truncated', code: 'MALFORMED_RESPONSE' },
  { fault: 'malformed', code: 'MALFORMED_RESPONSE' },
  { fault: 'reset', code: 'SERVICE_ERROR' },
];

// where a test asserts passes beside the faults, a generous probe deadline keeps a loaded machine from turning a
// slow pass into PROBE_TIMEOUT (none of these faults is `slow`)
const ROOMY = { probeTimeoutMs: 15000 };
const clean = run(withFaults({}, ROOMY));
const throttled = run(loadWorld(THROTTLED_WORLD).world);

t.test('everything throttles: every affected outcome is error THROTTLED, within the run deadline, exit 5', async (t) => {
  const [r, c] = await Promise.all([throttled, clean]);
  noFail(t, r);
  for (const o of checkWorld(loadWorld(THROTTLED_WORLD).world, r.report)) t.ok(o.ok, o.line);
  const affected = r.report.outcomes.filter((o) => o.status === 'error');
  t.ok(affected.length >= 4, `${affected.length} outcomes undecided`);
  t.same([...new Set(affected.map((o) => o.code))], ['THROTTLED'], 'each says THROTTLED');
  const runTimeoutMs = (loadWorld(THROTTLED_WORLD).world.gateway as any).options.runTimeoutMs as number;
  t.ok(r.report.durationMs <= runTimeoutMs, `the run ended within runTimeoutMs (${r.report.durationMs} ≤ ${runTimeoutMs})`);
  // each throttling code as its protocol words it reached the product
  const codes = new Set((r.sandbox.requests as any[]).filter((q) => !q.harness && q.fault).map((q) => `${q.service}:${q.errorCode}`));
  for (const k of ['sts:Throttling', 'iam:Throttling', 'eks:ThrottlingException']) t.ok(codes.has(k), `${k} sent`);
  // bounded retries: no call is sent more than twice as often as in a clean run of the same world
  const faulted = productCalls(r);
  const base = productCalls(c);
  for (const [op, n] of faulted) t.ok(n <= 2 * Math.max(1, base.get(op) ?? 0), `${op}: ${n} attempts (clean run: ${base.get(op) ?? 0})`);
  t.ok((faulted.get('sts:GetCallerIdentity') ?? 0) > (base.get('sts:GetCallerIdentity') ?? 0) - 1 && (faulted.get('sts:GetCallerIdentity') ?? 0) >= 2, 'GetCallerIdentity was retried');
});

const AGENT_TOO = join(REPO_ROOT, 'test/worlds/faults/everything-throttles-agent-too.yaml');
const agentToo = run(loadWorld(AGENT_TOO).world);
t.test('the agent throttles too: no credentials, every affected outcome error or skipped, exit 5', async (t) => {
  const r = await agentToo;
  noFail(t, r);
  for (const o of checkWorld(loadWorld(AGENT_TOO).world, r.report)) t.ok(o.ok, o.line);
  const undecided = r.report.outcomes.filter((o) => o.status !== 'pass');
  t.ok(undecided.every((o) => o.status === 'error' || (o.status === 'skip' && o.code === 'NEEDS_UNMET')), 'each is error, or skipped because a need was undecided');
});

t.test('a clean run of the base world passes (the faults, not the world, cause what follows)', async (t) => {
  const c = await clean;
  t.same(c.report.outcomes.filter((o) => o.status === 'fail' || o.status === 'error').map((o) => `${o.probe} ${o.code}`), []);
  t.equal(c.sandbox.exitCode, 0);
});

for (const k of awsKinds) {
  const pending = run(withFaults({ aws: [{ service: '*', operation: '*', fault: k.fault, ...(k.extra ?? {}) }] }, k.options));
  t.test(`every AWS call answers ${k.fault}: error ${k.code}, never fail`, async (t) => {
    const r = await pending;
    noFail(t, r);
    only(t, r.byProbe('identity.caller'), 'error', k.code, 'identity.caller');
    for (const p of ['policy.trust', 'policy.permissions', 'eks.association']) {
      const o = r.byProbe(p);
      t.ok(o.length > 0 && o.every((x) => x.status === 'error'), `${p} is error (${o.map((x) => x.code).join(', ')})`);
    }
    t.same(r.byProbe('identity.self-assume').map((o) => o.code), ['NEEDS_UNMET'], 'dependents are skipped, not failed');
    t.same(r.byProbe('identity.agent').map((o) => o.status), ['pass'], 'the agent still answers');
    const faulted = (r.sandbox.requests as any[]).filter((q) => !q.harness && q.fault === k.fault);
    t.ok(faulted.length > 0, 'the stand-in injected the fault');
    const runTimeoutMs = k.options?.runTimeoutMs ?? 60000;
    t.ok(r.report.durationMs <= runTimeoutMs, `ended within runTimeoutMs (${r.report.durationMs} ms)`);
  });
}

const agentKinds: Array<{ fault: string; code: string }> = [
  { fault: '429', code: 'AGENT_THROTTLED' },
  { fault: '500', code: 'AGENT_ERROR' },
  { fault: 'hang', code: 'AGENT_ERROR' },
];
for (const k of agentKinds) {
  const pending = run(withFaults({ agent: k.fault }));
  t.test(`the agent answers ${k.fault}: identity.agent error ${k.code}, the chain's failure error too`, async (t) => {
    const r = await pending;
    noFail(t, r);
    only(t, r.byProbe('identity.agent'), 'error', k.code, 'identity.agent');
    const caller = r.byProbe('identity.caller');
    t.equal(caller.length, 1);
    t.equal(caller[0]?.status, 'error', `identity.caller is error (${caller[0]?.code}), not CREDENTIALS_UNAVAILABLE fail`);
    t.ok(caller[0]?.causes?.includes(k.code), `identity.caller names ${k.code} as the cause`);
    const agentCalls = (r.sandbox.requests as any[]).filter((q) => q.service === 'pod-identity-agent');
    t.ok(agentCalls.length > 0 && agentCalls.every((q) => q.fault === k.fault), 'every agent request was faulted');
    t.ok(r.report.durationMs <= 60000, `ended within runTimeoutMs (${r.report.durationMs} ms)`);
  });
}

// targeted faults, one service each, in every protocol family; the rest of the run is unaffected
const mixedA = run(withFaults({ aws: [
  { service: 'secretsmanager', operation: 'GetSecretValue', fault: 'throttle' },   // JSON 1.1: ThrottlingException
  { service: 'redshift', fault: '503' },                                           // query: ServiceUnavailable
  { service: 'cloudtrail', fault: 'malformed' },                                   // JSON 1.1, garbage with 200
  { service: 'sts', operation: 'AssumeRole', fault: 'reset' },                     // query, reset after the request
] }, ROOMY));
t.test('per-service faults: each probe that reads the faulted service is error with the reason; the others pass', async (t) => {
  const r = await mixedA;
  noFail(t, r);
  only(t, r.byProbe('secrets.read'), 'error', 'THROTTLED', 'secrets.read');
  only(t, r.byProbe('services.redshift'), 'error', 'SERVICE_ERROR', 'services.redshift');
  only(t, r.byProbe('audit.cloudtrail'), 'error', 'MALFORMED_RESPONSE', 'audit.cloudtrail');
  only(t, r.byProbe('identity.self-assume'), 'error', 'SERVICE_ERROR', 'identity.self-assume');
  only(t, r.byProbe('identity.tag-session'), 'error', 'SERVICE_ERROR', 'identity.tag-session');
  for (const p of ['identity.caller', 'policy.trust', 'policy.permissions', 'eks.association']) t.same(r.byProbe(p).map((o) => o.status), ['pass'], `${p} passes`);
  t.same(r.byProbe('network.tcp').map((o) => `${o.status} ${o.code}`), ['skip NEEDS_UNMET'], 'no endpoint from Redshift: the target is skipped, not failed');
  const calls = productCalls(r);
  t.equal(calls.get('secretsmanager:GetSecretValue'), 2, 'GetSecretValue: one retry, then the error');
  t.equal(calls.get('cloudtrail:DescribeTrails'), 1, 'garbage is not retried');
});

const mixedB = run(withFaults({ aws: [
  { service: 'ec2', fault: 'throttle' },                                           // EC2: RequestLimitExceeded 503
  { service: 'sts', operation: 'GetCallerIdentity', fault: 'throttle', times: 1 }, // cleared by the retry
] }, ROOMY));
t.test('EC2 throttling makes the static network probes error; a throttle that clears is retried into a pass', async (t) => {
  const r = await mixedB;
  noFail(t, r);
  only(t, r.byProbe('network.security-groups', 'analytics'), 'error', 'THROTTLED', 'network.security-groups');
  only(t, r.byProbe('network.path', 'analytics'), 'error', 'THROTTLED', 'network.path');
  t.same(r.byProbe('identity.caller').map((o) => `${o.status} ${o.code}`), ['pass OK'], 'identity.caller passes after one throttled attempt');
  t.same(r.byProbe('network.tcp', 'analytics').map((o) => o.status), ['pass'], 'the live TCP check still decides');
  const ec2 = (r.sandbox.requests as any[]).filter((q) => !q.harness && q.service === 'ec2');
  t.ok(ec2.length > 0 && ec2.every((q) => q.errorCode === 'RequestLimitExceeded' && q.httpStatus === 503), 'EC2 throttles as EC2 does');
  const gci = (r.sandbox.requests as any[]).filter((q) => !q.harness && q.operation === 'GetCallerIdentity');
  t.equal(gci[0]?.fault, 'throttle', 'the first GetCallerIdentity was throttled');
  t.ok(gci.slice(1).some((q) => q.decision === 'allow'), 'a later one was answered');
});
