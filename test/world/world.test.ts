// The world format's contract: strictness of our sections (a table of bad worlds, each naming the field),
// warnings for AWS-shaped fields the stand-in does not use, defaults, and expectation matching.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorld, validateWorld, WorldError, loadWorld } from './load.ts';
import { checkExpectation, formatConcluded } from '../scenario/expect.ts';
import type { Outcome } from '../../packages/core/src/types.ts';

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
// deliberately loose: the table builds invalid worlds
type Raw = Record<string, any>;
const base = (): Raw => ({
  name: 'unit-world',
  account: '111122223333',
  region: 'us-east-1',
  gateway: { roleArn: ROLE, platformAccountId: '999988887777', organizationId: 'org-7f3a9c', clusterName: 'prod', namespace: 'xpander', serviceAccount: 'ai-gateway' },
  pod: {},
  expect: [{ probe: 'identity.caller', status: 'pass' }],
});

function problemsOf(mutate: (w: Raw) => void): string[] {
  const w = base();
  mutate(w);
  try {
    validateWorld(w, 'unit');
  } catch (e) {
    if (e instanceof WorldError) return e.problems;
    throw e;
  }
  return [];
}

t.test('a minimal world loads, with the documented defaults', async (t) => {
  const { world, warnings } = validateWorld(base());
  t.same(warnings, []);
  t.equal(world.pod.injected, 'pod-identity');
  t.equal(world.pod.token, 'valid');
  t.equal(world.pod.agent, 'running');
  t.equal(world.pod.imds, 'blocked');
  t.equal(world.pod.namespace, 'xpander', 'pod.namespace from gateway.namespace');
  t.equal(world.pod.serviceAccount, 'ai-gateway');
  t.match(world.pod.name, /^ai-gateway-[a-z]{10}-[a-z]{5}$/, 'a Deployment-shaped pod name');
  t.match(world.pod.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(world.pod.nodeName, 'ip-10-0-3-5.ec2.internal');
  t.equal(world.pod.nodeRoleArn, 'arn:aws:iam::111122223333:role/eks-node');
  t.same(world.network, { hosts: {}, reach: {}, tls: {} });
  t.equal(validateWorld(base()).world.pod.name, world.pod.name, 'derived names are deterministic');
});

t.test('derived defaults follow the rest of the world', async (t) => {
  const w = base();
  w.region = 'eu-west-1';
  w.pod = { injected: 'irsa', nodeIp: '10.1.2.3' };
  w.eks = { cluster: { name: 'prod', resourcesVpcConfig: { clusterSecurityGroupId: 'sg-0c1a5' } } };
  const { world } = validateWorld(w);
  t.equal(world.pod.nodeName, 'ip-10-1-2-3.eu-west-1.compute.internal');
  t.same(world.pod.securityGroupIds, ['sg-0c1a5'], 'the cluster security group by default');
  t.same(world.pod.irsa, { roleArn: ROLE, oidcProviderExists: true });
});

t.test('bad worlds: each problem names its field', async (t) => {
  const table: Array<[string, (w: Raw) => void, string]> = [
    ['unknown pod field', (w) => (w.pod = { injectd: 'irsa' }), 'pod.injectd: unknown field'],
    ['unknown top-level field', (w) => (w.netwrok = {}), 'netwrok: unknown field'],
    ['unknown gateway field', (w) => (w.gateway.role = 'x'), 'gateway.role: unknown field'],
    ['unknown target field', (w) => (w.gateway.targets = [{ name: 'a', host: 'a.example', port: 1, prot: 2 }]), 'gateway.targets[0].prot: unknown field'],
    ['unknown network field', (w) => (w.network = { host: {} }), 'network.host: unknown field'],
    ['unknown expectation field', (w) => (w.expect = [{ probe: 'identity.agent', stauts: 'fail' }]), 'expect[0].stauts: unknown field'],
    ['unknown secretsManager field', (w) => (w.secretsManager = { secrets: [{ ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf', Name: 'a', Value: 'x' }] }), 'secretsManager.secrets[0].Value: unknown field'],
    ['unknown kms field', (w) => (w.kms = { keys: [{ KeyId: 'k', Arn: 'arn:aws:kms:us-east-1:111122223333:key/k', Policy: {} }] }), 'kms.keys[0].Policy: unknown field'],
    ['unknown organizations field', (w) => (w.organizations = { scp: [] }), 'organizations.scp: unknown field'],
    ['bad enum', (w) => (w.pod = { agent: 'down' }), 'pod.agent:'],
    ['bad token mode', (w) => (w.pod = { token: 'stale' }), 'pod.token:'],
    ['bad reach mode', (w) => (w.network = { reach: { '10.0.8.12:5439': 'blackhole' } }), 'network.reach["10.0.8.12:5439"]:'],
    ['reach key without port', (w) => (w.network = { reach: { '10.0.8.12': 'drop' } }), 'network.reach["10.0.8.12"]'],
    ['reach port out of range', (w) => (w.network = { reach: { '10.0.8.12:70000': 'drop' } }), 'network.reach["10.0.8.12:70000"]: port must be 1-65535'],
    ['reach by a name that does not resolve', (w) => (w.network = { reach: { 'nowhere.example.internal:443': 'drop' } }), 'network.reach["nowhere.example.internal:443"]: nowhere.example.internal does not resolve'],
    ['bad DNS answer', (w) => (w.network = { hosts: { 'a.example': ['10.0.0.300'] } }), 'network.hosts["a.example"]'],
    ['bad DNS failure mode', (w) => (w.network = { hosts: { 'a.example': 'refused' } }), 'network.hosts["a.example"]'],
    ['bad account', (w) => (w.account = '1234'), 'account: must be a 12-digit AWS account id'],
    ['missing region', (w) => delete (w as any).region, 'region: required'],
    ['bad region', (w) => (w.region = 'mars-1'), 'region:'],
    ['missing gateway', (w) => delete (w as any).gateway, 'gateway: required'],
    ['missing pod', (w) => delete (w as any).pod, 'pod: required'],
    ['no expectations', (w) => (w.expect = []), 'expect: a world needs at least one expectation'],
    ['empty expectation', (w) => (w.expect = [{ count: 0 }]), 'expect[0]: an expectation names at least one'],
    ['unknown code', (w) => (w.expect = [{ code: 'TRUST_SELF_HAS_EXTERNALID' }]), 'expect[0].code: unknown code TRUST_SELF_HAS_EXTERNALID'],
    ['unknown area', (w) => (w.expect = [{ probe: 'iam.trust' }]), 'expect[0].probe: unknown area'],
    ['unknown probe (a typo must not pass as count 0)', (w) => (w.expect = [{ probe: 'identity.self-asume', status: 'fail', count: 0 }]), 'expect[0].probe: unknown probe identity.self-asume'],
    ['unknown subject', (w) => (w.expect = [{ probe: 'network.tcp', subject: 'analytcs', count: 0 }]), 'expect[0].subject: analytcs is none of'],
    ['bad role ARN', (w) => (w.gateway.roleArn = 'ai-gateway'), 'gateway.roleArn:'],
    ['target without host or cluster', (w) => (w.gateway.targets = [{ name: 'a' }]), 'gateway.targets[0]: a target needs host or redshiftClusterId'],
    ['target port out of range', (w) => (w.gateway.targets = [{ name: 'a', host: 'a.example', port: 0 }]), 'gateway.targets[0].port:'],
    ['duplicate target', (w) => (w.gateway.targets = [{ name: 'a', redshiftClusterId: 'x' }, { name: 'a', redshiftClusterId: 'y' }]), 'gateway.targets[1].name: duplicate'],
    ['bad external name', (w) => (w.gateway.external = ['sts', 'dynamodb']), 'gateway.external[1]:'],
    ['no namespace anywhere', (w) => delete (w.gateway as any).namespace, 'pod.namespace: required'],
    ['bad pod ip', (w) => (w.pod = { ip: '10.0.3' }), 'pod.ip: must be an IPv4 address'],
    ['AWS section, wrong type of a used field', (w) => (w.ec2 = { SecurityGroups: [{ GroupId: 5 }] }), 'ec2.SecurityGroups[0].GroupId:'],
    ['AWS section, missing required field', (w) => (w.iam = { RoleDetailList: [{ RoleName: 'x', Arn: ROLE }] }), 'iam.RoleDetailList[0].AssumeRolePolicyDocument: required'],
    ['policy document that is no JSON', (w) => (w.iam = { RoleDetailList: [{ RoleName: 'x', Arn: ROLE, AssumeRolePolicyDocument: '{nope' }] }), 'iam.RoleDetailList[0].AssumeRolePolicyDocument'],
  ];
  for (const [what, mutate, expected] of table) {
    const problems = problemsOf(mutate);
    t.ok(problems.some((p) => p.startsWith(expected)), `${what}: expected "${expected}…" in ${JSON.stringify(problems)}`);
  }
});

t.test('YAML errors name the position; duplicate keys are errors', async (t) => {
  t.throws(() => parseWorld('name: a\nname: b\n', 'dup.yaml'), /dup\.yaml: invalid world\n\s+line 2/);
  t.throws(() => parseWorld('name: [a\n', 'bad.yaml'), /line \d+, column \d+/);
  t.throws(() => parseWorld('- a\n- b\n', 'list.yaml'), /must be a mapping/);
  t.throws(() => loadWorld('/nonexistent/world.yaml'), WorldError);
});

t.test('AWS-shaped sections: unused fields are warnings, kept, never silent', async (t) => {
  const w = base();
  w.iam = {
    RoleDetailList: [
      {
        RoleName: 'ai-gateway',
        Arn: ROLE,
        CreateDate: '2024-01-01T00:00:00Z',
        InstanceProfileList: [],
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [] })),
      },
    ],
    GroupDetailList: [],
  };
  w.ec2 = { SecurityGroups: [{ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, Ipv6Ranges: [], UserIdGroupPairs: [{ GroupId: 'sg-2', Foo: 1 }] }] }] };
  w.cloudTrail = { trailList: [{ Name: 'org', HomeRegion: 'us-east-1' }], status: { org: { IsLogging: true, StartLoggingTime: 'x' } }, extra: 1 };
  const { world, warnings } = validateWorld(w);
  t.same(warnings.sort(), [
    'warning: cloudTrail.extra: field not used by the stand-in',
    'warning: cloudTrail.status.org.StartLoggingTime: field not used by the stand-in',
    'warning: ec2.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].Foo: field not used by the stand-in',
    'warning: iam.GroupDetailList: field not used by the stand-in',
    'warning: iam.RoleDetailList[0].CreateDate: field not used by the stand-in',
    'warning: iam.RoleDetailList[0].InstanceProfileList: field not used by the stand-in',
  ]);
  t.same(world.iam!.RoleDetailList![0].AssumeRolePolicyDocument, { Version: '2012-10-17', Statement: [] }, 'URL-encoded document decoded');
  t.equal((world.iam!.RoleDetailList![0] as any).CreateDate, '2024-01-01T00:00:00Z', 'unused fields are kept');
});

t.test('the gateway section must pass the product config schema too', async (t) => {
  const problems = problemsOf((w) => (w.gateway.secrets = ['not-an-arn']));
  t.ok(problems.some((p) => p.startsWith('gateway.secrets[0]')), JSON.stringify(problems));
});

t.test('every world in test/worlds is valid', async (t) => {
  const dir = join(import.meta.dirname, '..', 'worlds');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  for (const f of files) t.doesNotThrow(() => loadWorld(join(dir, f)), f);
  t.pass(`${files.length} worlds`);
});

// ---------------------------------------------------------------- expectations
const o = (probe: string, status: Outcome['status'], code: string, extra: Partial<Outcome> = {}): Outcome => ({
  probe,
  status,
  code,
  summary: '',
  evidence: {},
  durationMs: 1,
  ...extra,
});
const outcomes: Outcome[] = [
  o('identity.caller', 'pass', 'OK'),
  o('identity.self-assume', 'fail', 'SELF_ASSUME_DENIED', { causes: ['TRUST_SELF_HAS_EXTERNAL_ID'] }),
  o('network.tcp', 'fail', 'TCP_TIMEOUT', { subject: 'analytics', causes: ['SG_INGRESS_MISSING'] }),
  o('network.tcp', 'pass', 'OK', { subject: 'orders-db' }),
  o('secrets.read', 'pass', 'OK', { subject: 'arn:a' }),
  o('secrets.read', 'pass', 'OK', { subject: 'arn:b' }),
];

t.test('expectation matching', async (t) => {
  const table: Array<[string, Record<string, unknown>, boolean]> = [
    ['probe + status', { probe: 'identity.caller', status: 'pass' }, true],
    ['wrong status', { probe: 'identity.caller', status: 'fail' }, false],
    ['code itself', { probe: 'identity.self-assume', code: 'SELF_ASSUME_DENIED' }, true],
    ['code among causes', { probe: 'identity.self-assume', status: 'fail', code: 'TRUST_SELF_HAS_EXTERNAL_ID' }, true],
    ['cause of another probe does not count', { probe: 'identity.caller', code: 'TRUST_SELF_HAS_EXTERNAL_ID' }, false],
    ['subject', { probe: 'network.tcp', subject: 'analytics', status: 'fail', code: 'TCP_TIMEOUT' }, true],
    ['subject that passed', { probe: 'network.tcp', subject: 'orders-db', status: 'fail' }, false],
    ['all fields on one outcome, not spread', { probe: 'network.tcp', subject: 'orders-db', code: 'TCP_TIMEOUT' }, false],
    ['no probe named', { status: 'fail', code: 'SG_INGRESS_MISSING' }, true],
    ['count 0 holds', { status: 'error', count: 0 }, true],
    ['count 0 fails when one matches', { status: 'fail', probe: 'identity.self-assume', count: 0 }, false],
    ['exact count', { probe: 'secrets.read', status: 'pass', count: 2 }, true],
    ['count too small', { probe: 'secrets.read', status: 'pass', count: 1 }, false],
    ['absent probe', { probe: 'identity.agent' }, false],
  ];
  for (const [what, e, ok] of table) t.equal(checkExpectation(e as any, outcomes).ok, ok, what);
});

t.test('a mismatch shows what the probe concluded', async (t) => {
  const c = checkExpectation({ probe: 'network.tcp', code: 'TCP_REFUSED' } as any, outcomes);
  t.equal(c.ok, false);
  t.equal(formatConcluded(c.concluded), 'network.tcp[analytics] fail TCP_TIMEOUT (causes: SG_INGRESS_MISSING); network.tcp[orders-db] pass OK');
  t.equal(formatConcluded(checkExpectation({ probe: 'identity.agent' } as any, outcomes).concluded), 'nothing');
});
