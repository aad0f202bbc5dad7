// Engine tables: the runner with fake probes (order, concurrency, needs per subject, deadlines, crashes, the laptop
// rule, events), the registry's checks, config sources and errors, redaction, report renderers and exit codes.
// No network here; the AWS access layer is tested against a loopback server in engine-aws.test.ts.
import t from 'tap';
import type { Config, Finding, Outcome, Probe, ProbeContext, ProbeMeta, Report, RunEvent, AwsAccess } from '../src/types.ts';
import { runProbes, runToReport, DeadlineClock } from '../src/runner.ts';
import { buildRegistry, RegistryError } from '../src/registry.ts';
import { loadConfig, parseConfig, ConfigError, podIdentityDefaults } from '../src/config.ts';
import { detectWhere } from '../src/where.ts';
import { redact, redactEvidence, redactDeep, registerSecret, clearRegisteredSecrets, MASK } from '../src/redact.ts';
import { renderText, formatCounts, colorAllowed } from '../src/report/text.ts';
import { renderJson } from '../src/report/json.ts';
import { renderJunit } from '../src/report/junit.ts';
import { renderSarif } from '../src/report/sarif.ts';
import { formats } from '../src/report/index.ts';
import { exitCodeFor, applyWarnOk } from '../src/report/exit.ts';
import { AwsCallError } from '../src/aws/errors.ts';
import { genericErrorFinding } from '../src/probes/helpers.ts';

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const BASE = { region: 'us-east-1', roleArn: ROLE, platformAccountId: '999988887777', organizationId: 'org-7f3a9c', clusterName: 'prod' };

function config(extra: Record<string, unknown> = {}): Config {
  return parseConfig({ ...BASE, ...extra });
}

const noAws: AwsAccess = {
  call: async () => {
    throw new Error('no AWS in this test');
  },
  credentials: async () => ({ accessKeyId: 'AKIATEST', secretAccessKey: 'x'.repeat(40) }),
};

function probe(id: string, run: (ctx: ProbeContext) => Promise<Finding | Finding[]>, meta: Partial<ProbeMeta> = {}): Probe {
  const area = (id.split('.')[0] as ProbeMeta['area']) ?? 'identity';
  return { meta: { id, title: `title of ${id}`, area, docs: `docs/probes/${id}.md`, ...meta }, run };
}
const ok = (summary = 'fine'): Finding => ({ code: 'OK', summary });
const targets = [
  { name: 'a', host: 'a.example.internal', port: 5432 },
  { name: 'b', host: 'b.example.internal', port: 5432 },
  { name: 'c', host: 'c.example.internal', port: 5432 },
];
const perTarget = (c: Config) => c.targets.map((x) => ({ subject: x.name }));

async function collect(cfg: Config, probes: Probe[], options: Record<string, unknown> = {}): Promise<{ events: RunEvent[]; report: Report }> {
  const events: RunEvent[] = [];
  for await (const e of runProbes(cfg, { probes, aws: noAws, where: 'pod', env: {}, ...options })) events.push(e);
  const done = events.at(-1);
  if (!done || done.type !== 'done') throw new Error('no done event');
  return { events, report: done.report };
}
const brief = (o: Outcome) => [o.probe, o.subject ?? '', o.status, o.code].join(' ');

t.test('runner: report in registry order, then subject order, whatever finished first', async (t) => {
  const delays: Record<string, number> = { a: 30, b: 1, c: 15 };
  const probes = [
    probe('identity.slow', async () => {
      await new Promise((r) => setTimeout(r, 40));
      return ok();
    }),
    probe('network.each', async (ctx) => {
      await new Promise((r) => setTimeout(r, delays[ctx.subject!]));
      return ok(ctx.subject);
    }, { subjects: perTarget }),
    probe('services.fast', async () => ok()),
  ];
  const { events, report } = await collect(config({ targets }), probes);
  t.same(report.outcomes.map(brief), ['identity.slow  pass OK', 'network.each a pass OK', 'network.each b pass OK', 'network.each c pass OK', 'services.fast  pass OK']);
  const finished = events.filter((e) => e.type === 'outcome').map((e) => (e.type === 'outcome' ? `${e.outcome.probe} ${e.outcome.subject ?? ''}`.trim() : ''));
  t.equal(finished[0], 'services.fast', 'events stream in finishing order');
  t.equal(report.schemaVersion, 1);
  t.same(report.summary, { pass: 5, warn: 0, fail: 0, skip: 0, error: 0 });
  t.equal(report.exitCode, 0);
  for (const o of report.outcomes) {
    t.equal(o.docs, `docs/probes/${o.probe}.md`, 'docs filled from meta');
    t.type(o.durationMs, 'number');
  }
});

t.test('runner: each task starts with probe-start before its outcome; done comes last, once', async (t) => {
  const { events } = await collect(config({ targets }), [probe('network.each', async () => ok(), { subjects: perTarget })]);
  const seen = new Set<string>();
  for (const e of events) {
    if (e.type === 'probe-start') seen.add(e.subject!);
    if (e.type === 'outcome') t.ok(seen.has(e.outcome.subject!), `start before outcome for ${e.outcome.subject}`);
    t.equal(e.schemaVersion, 1);
  }
  t.equal(events.filter((e) => e.type === 'done').length, 1);
  t.equal(events.at(-1)!.type, 'done');
});

t.test('runner: concurrency bound is respected', async (t) => {
  let running = 0;
  let peak = 0;
  const many = Array.from({ length: 12 }, (_, i) => ({ name: `t${i}`, host: `t${i}.example.internal`, port: 1 }));
  const p = probe('network.each', async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 10));
    running--;
    return ok();
  }, { subjects: perTarget });
  await collect(config({ targets: many, options: { concurrency: 3 } }), [p]);
  t.equal(peak, 3, 'never more than 3 at once, and the bound is used');
});

t.test('runner: needs per subject; NEEDS_UNMET names the probe and its code; after waits without requiring', async (t) => {
  const order: string[] = [];
  const probes = [
    probe('network.dns', async (ctx) => {
      order.push(`dns ${ctx.subject}`);
      return ctx.subject === 'b' ? { code: 'DNS_NXDOMAIN', summary: 'no such name' } : ok();
    }, { subjects: perTarget }),
    probe('network.security-groups', async (ctx) => {
      order.push(`sg ${ctx.subject}`);
      return ctx.subject === 'a' ? { code: 'SG_INGRESS_MISSING', summary: 'no rule' } : ok();
    }, { subjects: perTarget }),
    probe('network.tcp', async (ctx) => {
      order.push(`tcp ${ctx.subject}`);
      const causes = ctx.results.failureCodes(['network.security-groups'], ctx.subject);
      return causes.length ? { code: 'TCP_TIMEOUT', summary: 'dropped', causes } : ok();
    }, { subjects: perTarget, needs: ['network.dns'], after: ['network.security-groups'] }),
  ];
  const { report } = await collect(config({ targets }), probes);
  const tcp = report.outcomes.filter((o) => o.probe === 'network.tcp');
  t.same(tcp.map(brief), ['network.tcp a fail TCP_TIMEOUT', 'network.tcp b skip NEEDS_UNMET', 'network.tcp c pass OK']);
  t.same(tcp[0]!.causes, ['SG_INGRESS_MISSING'], 'after: causes read from the same subject');
  t.match(tcp[1]!.summary, /network\.dns \(b\).*fail DNS_NXDOMAIN/);
  t.same(tcp[1]!.evidence.unmetNeeds, ['network.dns']);
  for (const s of ['a', 'b', 'c']) t.ok(order.indexOf(`sg ${s}`) < order.indexOf(`tcp ${s}`) || s === 'b', `tcp ${s} ran after sg ${s}`);
  t.equal(report.exitCode, 3);
});

t.test('runner: a need on a probe without subjects binds to all of it; warn and NOT_APPLICABLE satisfy a need', async (t) => {
  const rows: { status: Finding; runs: boolean }[] = [
    { status: { code: 'OK', summary: 'ok' }, runs: true },
    { status: { code: 'READ_DENIED', summary: 'may not read' }, runs: true },
    { status: { code: 'NOT_APPLICABLE', summary: 'nothing here' }, runs: true },
    { status: { code: 'WRONG_ROLE', summary: 'other role' }, runs: false },
    { status: { code: 'THROTTLED', summary: 'throttled' }, runs: false },
    { status: { code: 'NEEDS_UNMET', summary: 'its own need failed' }, runs: false },
  ];
  for (const row of rows) {
    let ran = 0;
    const probes = [
      probe('identity.caller', async () => row.status),
      probe('secrets.read', async () => {
        ran++;
        return ok();
      }, { needs: ['identity.caller'], subjects: perTarget }),
    ];
    const { report } = await collect(config({ targets }), probes);
    t.equal(ran, row.runs ? 3 : 0, `${row.status.code}: dependents ${row.runs ? 'run' : 'skip'}`);
    if (!row.runs) t.ok(report.outcomes.filter((o) => o.probe === 'secrets.read').every((o) => o.code === 'NEEDS_UNMET' && o.summary.includes('identity.caller')));
  }
});

t.test('runner: a probe ignoring its signal becomes PROBE_TIMEOUT at its deadline; others go on', async (t) => {
  const probes = [
    probe('identity.hang', () => new Promise<Finding>(() => {})),
    probe('identity.after', async () => ok(), { needs: ['identity.hang'] }),
    probe('identity.fine', async () => ok()),
  ];
  const { report } = await collect(config({ options: { probeTimeoutMs: 100 } }), probes);
  t.same(report.outcomes.map(brief), ['identity.hang  error PROBE_TIMEOUT', 'identity.after  skip NEEDS_UNMET', 'identity.fine  pass OK']);
  t.match(report.outcomes[0]!.summary, /deadline of 100 ms/);
  t.equal(report.exitCode, 5, 'undecided');
});

t.test('runner: the signal a probe gets aborts at its deadline', async (t) => {
  let abortedWith: unknown;
  const p = probe('identity.wait', (ctx) => new Promise<Finding>((resolve) => {
    ctx.signal.addEventListener('abort', () => {
      abortedWith = ctx.signal.reason;
      resolve(ok('too late'));
    });
  }));
  const { report } = await collect(config({ options: { probeTimeoutMs: 50 } }), [p]);
  t.equal(report.outcomes[0]!.code, 'PROBE_TIMEOUT');
  t.ok(abortedWith instanceof Error, 'aborted with a reason');
});

t.test('runner: run deadline: running and not-started tasks become PROBE_TIMEOUT', async (t) => {
  const probes = [
    probe('identity.first', () => new Promise<Finding>(() => {})),
    probe('identity.second', async () => ok(), { needs: ['identity.first'] }),
  ];
  const { report } = await collect(config({ options: { probeTimeoutMs: 10_000, runTimeoutMs: 80 } }), probes);
  t.same(report.outcomes.map(brief), ['identity.first  error PROBE_TIMEOUT', 'identity.second  error PROBE_TIMEOUT']);
  t.match(report.outcomes[0]!.summary, /run deadline of 80 ms/);
  t.match(report.outcomes[1]!.summary, /did not start/);
});

t.test('runner: cancellation through options.signal ends the run with PROBE_TIMEOUT', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 30);
  const { report } = await collect(config(), [probe('identity.hang', () => new Promise<Finding>(() => {}))], { signal: controller.signal });
  t.equal(report.outcomes[0]!.code, 'PROBE_TIMEOUT');
  t.match(report.outcomes[0]!.summary, /cancelled/);
});

t.test('runner: crashes, unknown codes and empty results are PROBE_CRASHED, redacted, without a stack', async (t) => {
  registerSecret('s3cr3t-value-planted');
  const probes = [
    probe('identity.throws', async () => {
      throw new Error('boom with s3cr3t-value-planted inside\n    at somewhere (file.ts:1:1)');
    }),
    probe('identity.unknown', async () => ({ code: 'NO_SUCH_CODE', summary: 'x' })),
    probe('identity.empty', async () => []),
    probe('identity.badstatus', async () => ({ code: 'OK', summary: 'x', status: 'maybe' as never })),
  ];
  const lines: string[] = [];
  const { report } = await collect(config(), probes, { debug: (l: string) => lines.push(l) });
  t.same(report.outcomes.map((o) => o.code), ['PROBE_CRASHED', 'PROBE_CRASHED', 'PROBE_CRASHED', 'PROBE_CRASHED']);
  const [thrown, unknown, empty, bad] = report.outcomes;
  t.notMatch(thrown!.summary, /s3cr3t-value-planted/, 'secret masked');
  t.match(thrown!.summary, /boom/);
  t.notMatch(thrown!.summary, /at somewhere/, 'no stack in the summary');
  t.ok(lines.some((l) => l.includes('at somewhere')), 'the stack goes to the debug log');
  t.notOk(lines.some((l) => l.includes('s3cr3t-value-planted')), 'debug log is redacted too');
  t.match(unknown!.summary, /unknown code "NO_SUCH_CODE"/);
  t.match(empty!.summary, /no findings/);
  t.match(bad!.summary, /unknown status/);
  clearRegisteredSecrets();
});

t.test('runner: an AwsCallError a probe lets escape is mapped to the generic codes', async (t) => {
  const info = (kind: AwsCallError['info']['kind'], awsCode?: string) => new AwsCallError({ service: 'iam', operation: 'GetRole', kind, awsCode, message: 'm' });
  const probes = [
    probe('policy.a', async () => { throw info('throttled', 'Throttling'); }),
    probe('policy.b', async () => { throw info('server', 'InternalFailure'); }),
    probe('policy.c', async () => { throw info('denied', 'AccessDenied'); }),
  ];
  const { report } = await collect(config(), probes);
  t.same(report.outcomes.map((o) => `${o.status} ${o.code}`), ['error THROTTLED', 'error SERVICE_ERROR', 'error PROBE_CRASHED']);
});

t.test('runner: pod-only probes on a laptop are NOT_APPLICABLE naming gateway-doctor cluster; their dependents run', async (t) => {
  let ran = false;
  const probes = [
    probe('identity.agent', async () => ok(), { podOnly: true }),
    probe('identity.next', async () => { ran = true; return ok(); }, { needs: ['identity.agent'] }),
  ];
  const { report } = await collect(config(), probes, { where: 'laptop' });
  t.equal(report.outcomes[0]!.code, 'NOT_APPLICABLE');
  t.match(report.outcomes[0]!.summary, /gateway-doctor cluster/);
  t.match(report.outcomes[0]!.summary, /pod/);
  t.ok(ran);
  t.equal(report.exitCode, 0, 'NOT_APPLICABLE skips allow exit 0');
  t.equal(report.context.where, 'laptop');
});

t.test('runner: record() evidence is merged, flattened and redacted; subject and causes kept', async (t) => {
  const p = probe('secrets.read', async (ctx) => {
    ctx.record({ requestId: 'r-1', nested: { a: 1 } as never, when: new Date(0) as never });
    return { code: 'SECRET_ACCESS_DENIED', summary: 'denied token=abcdefghijklmnopqrstuvwxyz', causes: ['PERMISSION_SECRETS_MISSING', 'PERMISSION_SECRETS_MISSING'], evidence: { bytes: 12 } };
  }, { subjects: perTarget });
  const { report } = await collect(config({ targets: targets.slice(0, 1) }), [p]);
  const o = report.outcomes[0]!;
  t.equal(o.subject, 'a');
  t.same(o.evidence, { requestId: 'r-1', nested: '{"a":1}', when: '1970-01-01T00:00:00.000Z', bytes: 12 });
  t.same(o.causes, ['PERMISSION_SECRETS_MISSING'], 'causes deduplicated');
  t.notMatch(o.summary, /abcdefghijklmnop/);
});

t.test('runner: only, previous outcomes, and unknown ids', async (t) => {
  const probes = [
    probe('identity.caller', async () => ok()),
    probe('identity.self-assume', async (ctx) => ({ code: 'OK', summary: `caller said ${ctx.results.get('identity.caller')[0]?.summary}` }), { needs: ['identity.caller'] }),
  ];
  const onlyRun = await collect(config(), probes, { only: ['identity.self-assume'] });
  t.same(onlyRun.report.outcomes.map(brief), ['identity.self-assume  skip NEEDS_UNMET']);
  t.match(onlyRun.report.outcomes[0]!.summary, /identity\.caller, which was not run/);
  const previous: Outcome[] = [{ probe: 'identity.caller', status: 'pass', code: 'OK', summary: 'earlier', evidence: {}, durationMs: 1 }];
  const rerun = await collect(config(), probes, { only: ['identity.self-assume'], previous });
  t.same(rerun.report.outcomes.map(brief), ['identity.self-assume  pass OK'], 'previous outcomes stand in; not reported again');
  t.equal(rerun.report.outcomes[0]!.summary, 'caller said earlier');
  await t.rejects(collect(config(), probes, { only: ['identity.nope'] }), /unknown probe id: identity\.nope/);
});

t.test('runner: subjects() throwing is PROBE_CRASHED; a probe with no subjects has no outcomes and blocks nothing', async (t) => {
  const probes = [
    probe('network.broken', async () => ok(), { subjects: () => { throw new Error('bad config shape'); } }),
    probe('secrets.read', async () => ok(), { subjects: () => [] }),
    probe('secrets.layout', async () => ok(), { needs: ['secrets.read'] }),
  ];
  const { report } = await collect(config(), probes);
  t.same(report.outcomes.map(brief), ['network.broken  error PROBE_CRASHED', 'secrets.layout  pass OK']);
});

t.test('runner: runToReport returns the done report; context from config and env', async (t) => {
  const report = await runToReport(config({ namespace: 'xpander', serviceAccount: 'ai-gateway' }), { probes: [probe('identity.x', async () => ok())], aws: noAws, where: 'pod', env: { NODE_NAME: 'ip-10-0-3-5' } });
  t.same(report.context, { where: 'pod', roleArn: ROLE, namespace: 'xpander', serviceAccount: 'ai-gateway', cluster: 'prod', region: 'us-east-1', node: 'ip-10-0-3-5' });
  t.equal(report.tool.name, 'gateway-doctor');
  t.match(report.tool.version, /^\d+\.\d+\.\d+/);
});

t.test('registry: duplicates, unknown needs/after, cycles, bad ids are explicit errors naming the ids', async (t) => {
  const rows: { name: string; probes: Probe[]; message: RegExp }[] = [
    { name: 'duplicate', probes: [probe('identity.a', async () => ok()), probe('identity.a', async () => ok())], message: /identity\.a: duplicate probe id/ },
    { name: 'unknown need', probes: [probe('identity.a', async () => ok(), { needs: ['identity.zz'] })], message: /identity\.a: needs unknown probe identity\.zz/ },
    { name: 'unknown after', probes: [probe('identity.a', async () => ok(), { after: ['policy.zz'] })], message: /identity\.a: runs after unknown probe policy\.zz/ },
    {
      name: 'cycle',
      probes: [probe('identity.a', async () => ok(), { needs: ['identity.c'] }), probe('identity.b', async () => ok(), { needs: ['identity.a'] }), probe('identity.c', async () => ok(), { after: ['identity.b'] })],
      message: /cycle in needs\/after: identity\.a -> identity\.c -> identity\.b -> identity\.a/,
    },
    { name: 'bad id', probes: [probe('Identity_A', async () => ok())], message: /Identity_A: id must look like/ },
    { name: 'bad area', probes: [probe('identity.a', async () => ok(), { area: 'nope' as never })], message: /unknown area "nope"/ },
  ];
  for (const row of rows) {
    t.throws(() => buildRegistry(row.probes), row.message, row.name);
    try {
      buildRegistry(row.probes);
    } catch (err) {
      t.ok(err instanceof RegistryError, `${row.name}: RegistryError`);
    }
  }
  const ordered = buildRegistry([probe('policy.z', async () => ok()), probe('identity.a', async () => ok())]);
  t.same(ordered.probes.map((p) => p.meta.id), ['policy.z', 'identity.a'], 'registry order is the order given');
});

t.test('registry: the real registry is valid', async (t) => {
  const registry = buildRegistry();
  t.ok(registry.probes.length > 0);
  t.equal(new Set(registry.probes.map((p) => p.meta.id)).size, registry.probes.length);
});

// ---- config ----

const FILE = `region: us-east-1
roleArn: ${ROLE}
platformAccountId: "999988887777"
organizationId: org-7f3a9c
clusterName: prod
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

t.test('config: defaults', async (t) => {
  const c = loadConfig({ text: FILE, env: {} });
  t.same(c.external, ['sts', 'secretsmanager']);
  t.same(c.athenaWorkGroups, []);
  t.same(c.secrets, []);
  t.same(c.targets, []);
  t.equal(c.sessionDurationSeconds, 3600);
  t.same(c.sessionTags, { 'gateway-doctor': 'probe' });
  t.same(c.options, { probeTimeoutMs: 5000, connectTimeoutMs: 3000, runTimeoutMs: 60000, concurrency: 16 });
});

t.test('config: sources and precedence (file < env < flags; AWS_DEFAULT_REGION < AWS_REGION < file)', async (t) => {
  const env = {
    AWS_DEFAULT_REGION: 'eu-west-1',
    GATEWAY_DOCTOR_CLUSTER_NAME: 'from-env',
    GATEWAY_DOCTOR_SECRETS: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf, arn:aws:secretsmanager:us-east-1:111122223333:secret:b-AbCdEf',
    GATEWAY_DOCTOR_TARGETS: '[{"name":"db","host":"db.example.internal","port":5432}]',
    GATEWAY_DOCTOR_OPTIONS: '{"concurrency":4}',
    GATEWAY_DOCTOR_PROBE_TIMEOUT_MS: '2500',
    GATEWAY_DOCTOR_SESSION_DURATION_SECONDS: '900',
    GATEWAY_DOCTOR_CONFIG: '/ignored/reserved',
  };
  const c = loadConfig({ text: FILE.replace('region: us-east-1\n', '') + 'options: { runTimeoutMs: 30000 }\n', env, flags: { 'cluster-name': 'from-flag', external: ['sts', 'athena,s3'], 'session-tags': 'team=ai,env=prod', concurrency: '2' } });
  t.equal(c.region, 'eu-west-1', 'AWS_DEFAULT_REGION when nothing else says');
  t.equal(c.clusterName, 'from-flag');
  t.equal(c.secrets.length, 2);
  t.same(c.targets, [{ name: 'db', host: 'db.example.internal', port: 5432 }]);
  t.same(c.external, ['sts', 'athena', 's3']);
  t.same(c.sessionTags, { team: 'ai', env: 'prod' });
  t.equal(c.sessionDurationSeconds, 900);
  t.same(c.options, { probeTimeoutMs: 2500, connectTimeoutMs: 3000, runTimeoutMs: 30000, concurrency: 2 }, 'options merge per key across sources');
  t.equal(loadConfig({ text: FILE, env: { AWS_REGION: 'eu-central-1' } }).region, 'us-east-1', 'the file beats AWS_REGION');
  t.equal(loadConfig({ text: FILE.replace('region: us-east-1\n', ''), env: { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' } }).region, 'eu-central-1');
  t.equal(loadConfig({ text: FILE, env: { GATEWAY_DOCTOR_REGION: 'ap-south-1' }, flags: { region: 'sa-east-1' } }).region, 'sa-east-1');
});

t.test('config: pod defaults for namespace and serviceAccount (POD_NAMESPACE, the token subject)', async (t) => {
  const payload = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:xpander:ai-gateway' })).toString('base64url');
  const token = `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln`;
  const env = { AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/token' };
  const readFile = (p: string) => {
    if (p !== '/token') throw new Error('ENOENT');
    return token;
  };
  t.same(podIdentityDefaults(env, readFile), { namespace: 'xpander', serviceAccount: 'ai-gateway' });
  t.same(podIdentityDefaults({ ...env, POD_NAMESPACE: 'other' }, readFile), { namespace: 'other', serviceAccount: 'ai-gateway' });
  const inPod = loadConfig({ text: FILE, env, where: 'pod', readFile });
  t.equal(inPod.serviceAccount, 'ai-gateway');
  const onLaptop = loadConfig({ text: FILE, env, where: 'laptop', readFile });
  t.equal(onLaptop.serviceAccount, undefined, 'no pod defaults on a laptop');
  const explicit = loadConfig({ text: FILE + 'serviceAccount: gw\n', env, where: 'pod', readFile });
  t.equal(explicit.serviceAccount, 'gw', 'the config wins over the token');
  t.same(podIdentityDefaults({ AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/missing' }, readFile), {}, 'unreadable token: no default');
});

t.test('config: every kind of bad field is named with its path', async (t) => {
  const rows: { name: string; text?: string; env?: Record<string, string>; flags?: Record<string, string>; expect: RegExp[] }[] = [
    { name: 'unknown field', text: FILE + 'rolearn: x\n', expect: [/^rolearn: unknown field$/] },
    { name: 'unknown nested field', text: FILE + 'options: { concurency: 3 }\n', expect: [/^options\.concurency: unknown field$/] },
    { name: 'unknown target field', text: FILE + 'targets: [{ name: a, host: h, port: 1, prot: 2 }]\n', expect: [/^targets\[0\]\.prot: unknown field$/] },
    { name: 'bad role ARN', text: FILE.replace(ROLE, 'arn:aws:iam::111122223333:user/bob'), expect: [/^roleArn: must be an IAM role ARN/] },
    { name: 'short account id', text: FILE.replace('"999988887777"', '"99998888777"'), expect: [/^platformAccountId: must be a 12-digit account id/] },
    { name: 'unquoted account id with a leading zero lost', text: FILE.replace('"999988887777"', '012345678901'), expect: [/^platformAccountId: .*quote it/] },
    { name: 'bad secret ARN', text: FILE + 'secrets: [gw/prod/snowflake]\n', expect: [/^secrets\[0\]: must be a Secrets Manager secret ARN/] },
    { name: 'port out of range', text: FILE + 'targets: [{ name: a, host: h.example, port: 70000 }]\n', expect: [/^targets\[0\]\.port: must be between 1 and 65535$/] },
    { name: 'port zero', text: FILE + 'targets: [{ name: a, host: h.example, port: 0 }]\n', expect: [/^targets\[0\]\.port: must be between 1 and 65535$/] },
    { name: 'port not a number', text: FILE + 'targets: [{ name: a, host: h.example, port: "x" }]\n', expect: [/^targets\[0\]\.port: must be a number/] },
    { name: 'target without host or cluster', text: FILE + 'targets: [{ name: a }]\n', expect: [/^targets\[0\]: needs host \(with port\) or redshiftClusterId$/] },
    { name: 'host without port', text: FILE + 'targets: [{ name: a, host: h.example }]\n', expect: [/^targets\[0\]\.port: required with host$/] },
    { name: 'duplicate target', text: FILE + 'targets: [{ name: a, redshiftClusterId: x }, { name: a, redshiftClusterId: y }]\n', expect: [/^targets\[1\]\.name: duplicate target name "a"$/] },
    { name: 'bad external', text: FILE + 'external: [sts, ftp]\n', expect: [/^external\[1\]: must be one of/] },
    { name: 'missing required', text: 'region: us-east-1\n', expect: [/^roleArn: required$/, /^platformAccountId: required$/, /^organizationId: required$/, /^clusterName: required$/] },
    { name: 'missing region', text: FILE.replace('region: us-east-1\n', ''), expect: [/^region: required \(set region in the config, --region, or AWS_REGION\)$/] },
    { name: 'bad region', text: FILE.replace('us-east-1', 'mars'), expect: [/^region: must be an AWS region/] },
    { name: 'wrong type', text: FILE + 'secrets: arn:aws:secretsmanager:us-east-1:111122223333:secret:a\n', expect: [/^secrets: must be an array/] },
    { name: 'duration', text: FILE + 'sessionDurationSeconds: 60\n', expect: [/^sessionDurationSeconds: must be between 900 and 43200$/] },
    { name: 'bad pod ip', text: FILE + 'podIp: 10.0.0.300\n', expect: [/^podIp: must be an IPv4 or IPv6 address$/] },
    { name: 'malformed YAML with position', text: 'region: [us-east-1\n', expect: [/^config:\d+:\d+: YAML: /] },
    { name: 'empty', text: '', expect: [/^config: is empty/] },
    { name: 'a list, not a mapping', text: '- a\n- b\n', expect: [/^config: must be a mapping of config fields, got a list$/] },
    { name: 'binary', text: 'abc\u0000\u0001def', expect: [/^config: is not a text file/] },
    { name: 'huge', text: 'a: ' + 'x'.repeat(1024 * 1024 + 10), expect: [/^config: is larger than/] },
    { name: 'unknown env setting', text: FILE, env: { GATEWAY_DOCTOR_ROLEARN: 'x' }, expect: [/^GATEWAY_DOCTOR_ROLEARN: unknown setting/] },
    { name: 'env JSON', text: FILE, env: { GATEWAY_DOCTOR_TARGETS: '[{' }, expect: [/^targets \(GATEWAY_DOCTOR_TARGETS\): must be JSON/] },
    { name: 'unknown flag', text: FILE, flags: { 'role-am': 'x' }, expect: [/^--role-am: unknown flag$/] },
    { name: 'bad flag value', text: FILE, flags: { concurrency: 'many' }, expect: [/^options\.concurrency: must be a number/] },
  ];
  for (const row of rows) {
    const got = problems(() => loadConfig({ text: row.text, env: row.env ?? {}, flags: row.flags }));
    for (const re of row.expect) t.ok(got.some((p) => re.test(p)), `${row.name}: ${re} in ${JSON.stringify(got)}`);
  }
  const missing = problems(() => loadConfig({ file: '/nonexistent/gateway-doctor.yaml', env: {} }));
  t.same(missing, ['/nonexistent/gateway-doctor.yaml: no such file']);
});

t.test('where: detection and override', async (t) => {
  t.equal(detectWhere({}), 'laptop');
  t.equal(detectWhere({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }), 'pod');
  t.equal(detectWhere({ AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }), 'pod');
  t.equal(detectWhere({ AWS_ROLE_ARN: ROLE }), 'pod');
  t.equal(detectWhere({ KUBERNETES_SERVICE_HOST: '10.100.0.1' }), 'pod');
  t.equal(detectWhere({ KUBERNETES_SERVICE_HOST: '10.100.0.1' }, 'laptop'), 'laptop');
  t.equal(detectWhere({}, 'pod'), 'pod');
});

// ---- redaction ----

t.test('redact: registered values, their base64, and known shapes', async (t) => {
  clearRegisteredSecrets();
  registerSecret('canary-secret-value-1234');
  const b64 = Buffer.from('canary-secret-value-1234').toString('base64');
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6eDp5In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  const token = 'IQoJb3JpZ2luX2VjE' + 'A'.repeat(120) + '==';
  const rows: { input: string; leaks: string[]; keeps?: string[] }[] = [
    { input: 'value is canary-secret-value-1234.', leaks: ['canary-secret-value-1234'], keeps: ['value is'] },
    { input: `b64 ${b64}`, leaks: [b64] },
    { input: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', leaks: ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'] },
    { input: '{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","AccessKeyId":"ASIAEXAMPLE"}', leaks: ['wJalrXUtnFEMI'], keeps: ['ASIAEXAMPLE'] },
    { input: `"SessionToken": "${token}"`, leaks: [token.slice(0, 40)] },
    { input: `token ${token}`, leaks: [token.slice(20, 60)] },
    { input: `Authorization: ${jwt}`, leaks: [jwt] },
    { input: `jwt ${jwt} end`, leaks: [jwt], keeps: ['end'] },
    { input: 'Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/sts/aws4_request, Signature=abcdef0123', leaks: ['Signature=abcdef0123'] },
    { input: 'X-Amz-Security-Token: FQoGZXIvYXdzEJr//////////wEaDH', leaks: ['FQoGZXIvYXdzEJr'] },
    { input: '?X-Amz-Security-Token=FQoGZXIvYXdzEJr&X-Amz-Date=1', leaks: ['FQoGZXIvYXdzEJr'], keeps: ['X-Amz-Date=1'] },
    { input: '{"SecretString":"{\\"password\\":\\"hunter2\\"}","VersionId":"v1"}', leaks: ['hunter2'], keeps: ['VersionId'] },
    { input: 'SecretBinary: aGVsbG8gd29ybGQ=', leaks: ['aGVsbG8gd29ybGQ='] },
    { input: 'arn:aws:iam::111122223333:role/ai-gateway is fine', leaks: [], keeps: ['arn:aws:iam::111122223333:role/ai-gateway is fine'] },
    { input: 'sg-0123456789abcdef0 and 10.0.8.12:5439', leaks: [], keeps: ['sg-0123456789abcdef0 and 10.0.8.12:5439'] },
  ];
  for (const row of rows) {
    const out = redact(row.input);
    for (const leak of row.leaks) t.notOk(out.includes(leak), `${JSON.stringify(row.input.slice(0, 40))}: hides ${leak.slice(0, 20)}`);
    for (const keep of row.keeps ?? []) t.ok(out.includes(keep), `keeps ${keep.slice(0, 30)}`);
    if (row.leaks.length) t.ok(out.includes(MASK), 'says it masked');
  }
  t.same(redactEvidence({ a: 'canary-secret-value-1234', b: ['x', 'canary-secret-value-1234'], n: 3 }), { a: MASK, b: ['x', MASK], n: 3 });
  t.same(redactDeep({ Credentials: { SecretAccessKey: 'zzz', AccessKeyId: 'ASIA1' }, list: ['canary-secret-value-1234'] }), { Credentials: { SecretAccessKey: MASK, AccessKeyId: 'ASIA1' }, list: [MASK] });
  registerSecret('short');
  t.equal(redact('a short word'), 'a short word', 'values under 8 characters are not registered');
  clearRegisteredSecrets();
});

// ---- reports and exit codes ----

const sampleOutcomes: Outcome[] = [
  { probe: 'identity.caller', status: 'pass', code: 'OK', summary: 'assumed-role/ai-gateway', evidence: { account: '111122223333' }, durationMs: 12 },
  {
    probe: 'identity.self-assume',
    status: 'fail',
    code: 'SELF_ASSUME_DENIED',
    causes: ['TRUST_SELF_HAS_EXTERNAL_ID'],
    summary: 'AccessDenied <&> on sts:AssumeRole',
    evidence: { requestId: 'req-1', statuses: [403, 403] },
    remedy: { text: 'Split the self statement from the platform one:', commands: ['aws iam update-assume-role-policy --role-name ai-gateway --policy-document file://trust.json'], policy: { Version: '2012-10-17', Statement: [] } },
    durationMs: 40,
  },
  { probe: 'policy.trust', status: 'warn', code: 'READ_DENIED', summary: 'may not read', evidence: {}, durationMs: 5 },
  { probe: 'secrets.read', subject: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf', status: 'skip', code: 'NEEDS_UNMET', summary: 'needs identity.caller', evidence: {}, durationMs: 0 },
  { probe: 'network.tcp', subject: 'db', status: 'error', code: 'PROBE_TIMEOUT', summary: 'deadline', evidence: {}, durationMs: 5000 },
];
const sampleReport: Report = {
  schemaVersion: 1,
  tool: { name: 'gateway-doctor', version: '0.1.0' },
  context: { where: 'pod', roleArn: ROLE, namespace: 'xpander', serviceAccount: 'ai-gateway', cluster: 'prod', region: 'us-east-1' },
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 5100,
  outcomes: sampleOutcomes,
  summary: { pass: 1, warn: 1, fail: 1, skip: 1, error: 1 },
  exitCode: 3,
};

t.test('report: text reads without colour: boxes, evidence, causes, remedy commands apart, closing count line', async (t) => {
  const text = renderText(sampleReport);
  t.notMatch(text, /\u001b\[/, 'no escape codes');
  for (const box of ['[✓] identity.caller', '[✗] identity.self-assume SELF_ASSUME_DENIED', '[!] policy.trust READ_DENIED', '[-] secrets.read arn:', '[☠] network.tcp db PROBE_TIMEOUT']) t.ok(text.includes(box), box);
  t.match(text, /\n {4}requestId: req-1\n/);
  t.match(text, /\n {4}statuses: 403, 403\n/);
  t.match(text, /\n {4}causes: TRUST_SELF_HAS_EXTERNAL_ID\n/);
  t.match(text, /\n {4}→ Split the self statement from the platform one:\n\n {8}aws iam update-assume-role-policy --role-name ai-gateway --policy-document file:\/\/trust\.json\n/, 'the command on its own line, apart from the prose');
  t.match(text, /\n {8}\{\n {10}"Version": "2012-10-17",\n/, 'policy JSON indented');
  t.equal(text.trimEnd().split('\n').at(-1), '1 passed, 1 warning, 1 failed, 1 skipped, 1 error');
  t.notMatch(text.split('[✓] identity.caller')[1]!.split('\n\n')[0]!, /account:/, 'passes stay one line');
  const colored = renderText(sampleReport, { color: true });
  t.match(colored, /\u001b\[31m\[✗\]\u001b\[0m/);
  t.equal(formatCounts({ pass: 3, warn: 2, fail: 0, skip: 0, error: 0 }), '3 passed, 2 warnings, 0 failed, 0 skipped, 0 errors');
});

t.test('report: colour only when allowed', async (t) => {
  const tty = { isTTY: true };
  t.equal(colorAllowed(tty, {}), true);
  t.equal(colorAllowed({ isTTY: false }, {}), false);
  t.equal(colorAllowed(tty, { NO_COLOR: '1' }), false);
  t.equal(colorAllowed(tty, { TERM: 'dumb' }), false);
  t.equal(colorAllowed({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  t.equal(colorAllowed(tty, { FORCE_COLOR: '0' }), false);
  t.equal(colorAllowed({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }), false, 'NO_COLOR wins');
});

t.test('report: json keeps the DESIGN.md shape and run order', async (t) => {
  const parsed = JSON.parse(renderJson(sampleReport));
  t.same(Object.keys(parsed), ['schemaVersion', 'tool', 'context', 'startedAt', 'durationMs', 'outcomes', 'summary', 'exitCode']);
  t.same(parsed.outcomes.map((o: Outcome) => o.probe), sampleOutcomes.map((o) => o.probe));
});

t.test('report: junit (kube-bench style) and sarif 2.1.0', async (t) => {
  const xml = renderJunit(sampleReport);
  t.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  t.match(xml, /<testsuites name="gateway-doctor" tests="5" failures="1" errors="1" skipped="2"/);
  t.match(xml, /<failure message="Split the self statement from the platform one:&#10;|<failure message="Split the self statement from the platform one:\naws iam update-assume-role-policy/);
  t.match(xml, /AccessDenied &lt;&amp;&gt; on sts:AssumeRole<\/failure>/, 'escaped');
  t.match(xml, /<testcase classname="policy.trust"[^>]*><skipped message="warn: may not read"\/>/);
  t.match(xml, /<testcase classname="network.tcp"[^>]*><error message="deadline" type="PROBE_TIMEOUT"\/>/);
  t.match(xml, /<system-out><!\[CDATA\[\{"probe":"identity.caller"/);
  t.equal((xml.match(/<testcase /g) ?? []).length, 5);
  const sarif = JSON.parse(renderSarif(sampleReport));
  t.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0];
  t.same(run.results.map((r: { ruleId: string; level: string }) => `${r.ruleId} ${r.level}`), ['OK none', 'SELF_ASSUME_DENIED error', 'READ_DENIED warning', 'NEEDS_UNMET note', 'PROBE_TIMEOUT error']);
  for (const r of run.results) t.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId, 'ruleIndex points at its rule');
  t.ok(formats.markdown, 'markdown plugs into the format registry');
});

t.test('exit codes per DESIGN.md, and --warn-ok', async (t) => {
  const o = (status: Outcome['status'], code = 'OK'): Outcome => ({ probe: 'identity.x', status, code, summary: '', evidence: {}, durationMs: 0 });
  const rows: [Outcome[], number, number][] = [
    [[o('pass')], 0, 0],
    [[o('pass'), o('skip', 'NOT_APPLICABLE')], 0, 0],
    [[o('pass'), o('warn', 'READ_DENIED')], 4, 0],
    [[o('warn', 'READ_DENIED'), o('skip', 'NEEDS_UNMET')], 5, 5],
    [[o('warn', 'READ_DENIED'), o('error', 'THROTTLED')], 5, 5],
    [[o('fail', 'WRONG_ROLE'), o('error', 'THROTTLED'), o('warn', 'READ_DENIED')], 3, 3],
    [[], 0, 0],
  ];
  for (const [outcomes, code, warnOk] of rows) {
    t.equal(exitCodeFor(outcomes), code, outcomes.map((x) => x.status).join(','));
    t.equal(exitCodeFor(outcomes, { warnOk: true }), warnOk, `warn-ok: ${outcomes.map((x) => x.status).join(',')}`);
  }
  t.equal(applyWarnOk(4, true), 0);
  t.equal(applyWarnOk(5, true), 5);
  t.equal(applyWarnOk(4, false), 4);
});

t.test('genericErrorFinding: each kind to its generic code, or undefined for the probe to decide', async (t) => {
  const ctx = {
    config: config(),
    results: { get: () => [], failureCodes: (ids: string[]) => (ids.includes('network.egress') ? ['EGRESS_TIMEOUT'] : []) },
  } as unknown as ProbeContext;
  const err = (kind: AwsCallError['info']['kind'], service: AwsCallError['info']['service'] = 'sts') => new AwsCallError({ service, operation: 'GetCallerIdentity', kind, awsCode: 'X', message: 'msg', httpStatus: 500, requestId: 'rid' });
  const rows: [AwsCallError, string | undefined, string?][] = [
    [err('throttled'), 'THROTTLED'],
    [err('server'), 'SERVICE_ERROR'],
    [err('malformed'), 'MALFORMED_RESPONSE'],
    [err('timeout'), 'PROBE_TIMEOUT'],
    [err('unreachable'), 'AWS_ENDPOINT_UNREACHABLE'],
    [err('refused-by-guard'), 'PROBE_CRASHED'],
    [err('credentials'), 'CREDENTIALS_UNAVAILABLE'],
    [err('denied'), undefined],
    [err('not-found'), undefined],
    [err('client'), undefined],
  ];
  for (const [e, code] of rows) t.equal(genericErrorFinding(e, ctx)?.code, code, `${e.info.kind} → ${code}`);
  const unreachable = genericErrorFinding(err('unreachable'), ctx)!;
  t.same(unreachable.causes, ['EGRESS_TIMEOUT'], 'causes from network.egress for the service endpoint');
  t.equal(unreachable.evidence!.requestId, 'rid');
  t.equal(genericErrorFinding(err('unreachable', 'iam'), ctx)!.causes, undefined, 'no egress subject for IAM');
  const denied = genericErrorFinding(err('denied', 'iam'), ctx, { readDenied: { permissions: ['iam:GetRole'], alternative: 'gateway-doctor lint role.json' } })!;
  t.equal(denied.code, 'READ_DENIED');
  t.match(denied.summary, /iam:GetRole/);
  t.same(denied.remedy!.commands, ['gateway-doctor lint role.json']);
  t.equal(genericErrorFinding(new Error('plain'), ctx), undefined, 'not an AwsCallError');
});

t.test('runner: the AWS layer may pause a task deadline while an SDK client loads', async (t) => {
  const paused: AwsAccess & { forTask: (s: AbortSignal, h?: { pauseDeadline?: () => () => void }) => AwsAccess } = {
    ...noAws,
    forTask: (_signal, hooks) => ({
      ...noAws,
      call: async <O,>(): Promise<O> => {
        const resume = hooks?.pauseDeadline?.();
        await new Promise((r) => setTimeout(r, 150)); // "importing the client"
        resume?.();
        return { ok: true } as O;
      },
    }),
  };
  const p = probe('identity.caller', async (ctx) => {
    await ctx.aws.call('sts', 'GetCallerIdentity', {});
    return ok();
  });
  const hang = probe('identity.env', async (ctx) => {
    await ctx.aws.call('sts', 'GetCallerIdentity', {});
    await new Promise((r) => setTimeout(r, 150)); // real waiting still counts
    return ok();
  });
  const { report } = await collect(config({ options: { probeTimeoutMs: 100 } }), [p, hang], { aws: paused });
  t.same(report.outcomes.map(brief), ['identity.caller  pass OK', 'identity.env  error PROBE_TIMEOUT']);
});

t.test('DeadlineClock: a paused deadline does not fire until resumed; pauses nest', async (t) => {
  const clock = new DeadlineClock();
  const d = clock.deadline(40, 'probe deadline');
  const resumeA = clock.pause();
  const resumeB = clock.pause();
  await new Promise((r) => setTimeout(r, 80));
  t.equal(d.signal.aborted, false, 'paused: not fired');
  resumeA();
  await new Promise((r) => setTimeout(r, 80));
  t.equal(d.signal.aborted, false, 'still paused by the second pause');
  resumeB();
  await new Promise((r) => setTimeout(r, 120));
  t.equal(d.signal.aborted, true, 'fires once resumed');
  t.match(String((d.signal.reason as Error).message), /probe deadline of 40 ms passed/);
  const cleared = clock.deadline(10, 'x');
  cleared.clear();
  await new Promise((r) => setTimeout(r, 30));
  t.equal(cleared.signal.aborted, false, 'a cleared deadline never fires');
});

t.test('redact (property): a registered value never survives, as is or base64-encoded, whatever surrounds it', async (t) => {
  const fc = (await import('fast-check')).default;
  const secret = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_/+='.split('')), minLength: 8, maxLength: 60 });
  fc.assert(
    fc.property(secret, fc.string(), fc.string(), fc.boolean(), (value, before, after, encoded) => {
      clearRegisteredSecrets();
      registerSecret(value);
      const shown = encoded ? Buffer.from(value).toString('base64') : value;
      const out = redact(`${before}${shown}${after}`);
      return !out.includes(shown);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 500) },
  );
  clearRegisteredSecrets();
  t.pass('registered values masked in every generated context');
});
