// Remedy proofs. Statically: for every world whose gateway role has a policy finding, apply the first finding's
// remedy (the corrected document it carries) to the world's documents and analyse again, until nothing is left;
// each step must remove the finding it fixed. Healthy worlds must have no finding at all (a false alarm is as bad
// as a miss). Live: two worlds with the remedy applied run in the pod sandbox and the failure is gone.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorld } from '../world/load.ts';
import { runInSandbox } from '../sandbox/index.ts';
import { parseReport } from '../scenario/run.ts';
import { analyzeWorld, applyRemedy } from './world-policies.ts';

const WORLDS = new URL('../worlds/', import.meta.url).pathname;
const files = readdirSync(WORLDS).filter((f) => f.endsWith('.yaml')).sort();
const withRole = (f: string) => {
  const { world } = loadWorld(join(WORLDS, f));
  return ((world.iam as any)?.RoleDetailList ?? []).some((r: any) => r.Arn === (world.gateway as any).roleArn) ? world : undefined;
};

t.test('healthy worlds: no policy finding', async (t) => {
  for (const f of files.filter((f) => f.startsWith('healthy-'))) {
    const world = withRole(f);
    if (!world) continue;
    t.same(analyzeWorld(world).map((x) => x.code), [], f);
  }
});

const POLICY_WORLDS = ['c13', 'c14', 'c15', 'c16', 'c20', 'c21', 'c22', 'c23', 'c24', 'c25', 'c26', 'c29-iam-resource-without-suffix', 'demo', 'policy-unique-id-principal', 'policy-trust-explicit-deny', 'policy-platform-missing', 'policy-permission-explicit-deny', 'policy-self-assume-grant-missing'];

t.test('static remedy proofs: applying each remedy removes its finding until the role is clean', async (t) => {
  for (const prefix of POLICY_WORLDS) {
    const f = files.find((x) => x.startsWith(prefix));
    if (!f) {
      t.fail(`no world for ${prefix}`);
      continue;
    }
    let world = withRole(f)!;
    let findings = analyzeWorld(world);
    t.ok(findings.length > 0, `${f}: has findings (${findings.map((x) => x.code).join(', ')})`);
    for (let step = 0; findings.length && step < 8; step++) {
      const first = findings[0];
      world = applyRemedy(world, first);
      const after = analyzeWorld(world);
      const same = (x: typeof first) => x.code === first.code && x.subject === first.subject && x.evidence.action === first.evidence.action && x.location?.pointer === first.location?.pointer;
      t.notOk(after.some(same), `${f}: ${first.code} at ${first.location?.pointer} gone after its remedy`);
      findings = after;
    }
    t.same(findings.map((x) => x.code), [], `${f}: clean after the remedies`);
  }
});

/** Runs the world with every remedy applied in the sandbox and returns the report. */
async function runFixed(prefix: string) {
  let world = withRole(files.find((x) => x.startsWith(prefix))!)!;
  for (let findings = analyzeWorld(world), i = 0; findings.length && i < 8; findings = analyzeWorld(world), i++) world = applyRemedy(world, findings[0]);
  return parseReport(await runInSandbox({ world }));
}

t.test('live remedy proof C14: the corrected trust policy lets the role re-assume itself', async (t) => {
  const report = await runFixed('c14');
  const get = (probe: string) => report.outcomes.filter((o) => o.probe === probe).map((o) => `${o.status} ${o.code}`);
  t.same(get('identity.self-assume'), ['pass OK']);
  t.same(get('identity.tag-session'), ['pass OK']);
  t.same(get('policy.trust'), ['pass OK']);
});

t.test('live remedy proof C25: the corrected boundary no longer caps the self-assume', async (t) => {
  const report = await runFixed('c25');
  const get = (probe: string) => report.outcomes.filter((o) => o.probe === probe).map((o) => `${o.status} ${o.code}`);
  t.same(get('identity.self-assume'), ['pass OK']);
  t.same(get('policy.permissions'), ['pass OK']);
});

t.test('live remedy proofs C15, C16, explicit deny: the chained call with tags goes through', async (t) => {
  for (const prefix of ['c15', 'c16', 'policy-permission-explicit-deny']) {
    const report = await runFixed(prefix);
    const bad = report.outcomes.filter((o) => (o.probe.startsWith('identity.') || o.probe.startsWith('policy.')) && o.status !== 'pass');
    t.same(bad.map((o) => `${o.probe} ${o.status} ${o.code}`), [], `${prefix}: identity and policy probes pass once the remedies are applied`);
  }
});
