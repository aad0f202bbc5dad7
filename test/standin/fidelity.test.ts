// Fidelity: inside the pod sandbox, the JS SDK and Debian's AWS CLI (/usr/bin/aws 2.9, trusting the test CA
// through AWS_CA_BUNDLE) make the same STS calls with the Pod Identity agent's credentials — GetCallerIdentity,
// a self-assume with a tag (allowed), an AssumeRole the trust policy denies, and a chained call over an hour —
// and must get the same answers, codes and messages. Two independent clients parsing the stand-in the same way
// is the evidence that it speaks STS's wire protocol rather than one SDK's reading of it.
import t from 'tap';
import { existsSync } from 'node:fs';
import { runInSandbox, REPO_ROOT } from '../sandbox/index.ts';
import { loadWorld } from '../world/load.ts';

const WORLD = `${REPO_ROOT}/test/worlds/healthy-basic.yaml`;
const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const DENIED_ROLE = 'arn:aws:iam::111122223333:role/eks-node-prod';   // trusts ec2.amazonaws.com only

t.test('JS SDK and AWS CLI read the stand-in\'s STS the same way', { skip: existsSync('/usr/bin/aws') ? false : 'Debian awscli (/usr/bin/aws) is not installed' }, async (t) => {
  const { world } = loadWorld(WORLD);
  const r = await runInSandbox({ world, cmd: [process.execPath, '--import', 'tsx', 'test/standin/fidelity-inside.ts', ROLE, DENIED_ROLE], timeoutMs: 150_000 });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'inside script ran' : `inside script failed: ${r.stderr.slice(-800)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');

  const who = out.whoami;
  t.ok(who.sdk.ok && who.cli.ok, 'GetCallerIdentity succeeds for both');
  t.match(who.sdk.arn, /^arn:aws:sts::111122223333:assumed-role\/ai-gateway\/eks-prod-/, 'the Pod Identity session');
  t.same(who.cli, who.sdk, 'same identity');

  const self = out.selfAssume;
  t.ok(self.sdk.ok && self.cli.ok, 'self-assume with a tag succeeds for both');
  t.equal(self.sdk.arn, `arn:aws:sts::111122223333:assumed-role/ai-gateway/fidelity`);
  t.same(self.cli, self.sdk, 'same assumed-role user and packed size');

  const denied = out.denied;
  t.equal(denied.sdk.code, 'AccessDenied');
  t.equal(denied.sdk.status, 403);
  t.match(denied.sdk.message, /^User: arn:aws:sts::111122223333:assumed-role\/ai-gateway\/eks-prod-\S+ is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/eks-node-prod$/);
  t.equal(denied.cli.code, denied.sdk.code, 'same code');
  t.equal(denied.cli.message, denied.sdk.message, 'same message');

  const chained = out.chainedTooLong;
  t.equal(chained.sdk.code, 'ValidationError');
  t.equal(chained.sdk.message, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  t.equal(chained.cli.code, chained.sdk.code);
  t.equal(chained.cli.message, chained.sdk.message);

  const sts = r.requests.filter((e: any) => e.service === 'sts');
  t.equal(sts.length, 8, 'four calls from each client reached the stand-in');
  t.equal(sts.filter((e: any) => e.decision === 'deny').length, 2, 'both denials logged as deny');
  for (const c of r.issued) {
    t.notOk(r.stdout.includes(c.secretAccessKey) || (c.sessionToken && r.stdout.includes(c.sessionToken)), `no secret of ${c.via} in the output`);
  }
});

// One read per service (each protocol: query IAM/Redshift/RDS, ec2, JSON 1.1 Secrets Manager/KMS/CloudTrail/
// Athena, rest-json EKS) and each protocol's unknown-key answer, compared whole after the same normalisation.
const SERVICE_CALLS = [
  { service: 'iam', op: 'GetRole', params: { RoleName: 'ai-gateway' } },
  { service: 'iam', op: 'GetAccountAuthorizationDetails' },
  { service: 'ec2', op: 'DescribeSecurityGroups' },
  { service: 'ec2', op: 'DescribeVpcs' },
  { service: 'ec2', op: 'DescribeSubnets' },
  { service: 'ec2', op: 'DescribeRouteTables' },
  { service: 'ec2', op: 'DescribeNetworkInterfaces' },
  { service: 'eks', op: 'DescribeCluster', params: { name: 'prod' } },
  { service: 'secretsmanager', op: 'DescribeSecret', params: { SecretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-AbCdEf' } },
  { service: 'redshift', op: 'DescribeClusters' },
  { service: 'rds', op: 'DescribeDBInstances' },
  { service: 'kms', op: 'ListAliases' },
  { service: 'cloudtrail', op: 'DescribeTrails' },
  { service: 'athena', op: 'GetWorkGroup', params: { WorkGroup: 'primary' } },
  { service: 'eks', op: 'DescribeCluster', params: { name: 'missing' } },
  { service: 'sts', op: 'GetCallerIdentity', unknownKey: true },
  { service: 'secretsmanager', op: 'DescribeSecret', params: { SecretId: 'x' }, unknownKey: true },
  { service: 'ec2', op: 'DescribeVpcs', unknownKey: true },
  { service: 'eks', op: 'DescribeCluster', params: { name: 'prod' }, unknownKey: true },
];

// Members the APIs gained after the CLI 2.9 model (January 2023): the CLI drops what its model lacks.
const NEWER_THAN_CLI_MODEL: Record<string, string[]> = {
  'eks DescribeCluster': ['cluster.accessConfig', 'cluster.upgradePolicy', 'cluster.zonalShiftConfig', 'cluster.computeConfig', 'cluster.storageConfig', 'cluster.remoteNetworkConfig', 'cluster.deletionProtection'],
};

function without(value: any, paths: string[]): any {
  const copy = JSON.parse(JSON.stringify(value));
  for (const path of paths) {
    const keys = path.split('.');
    let node = copy?.output;
    for (const k of keys.slice(0, -1)) node = node?.[k];
    if (node && typeof node === 'object') delete node[keys.at(-1)!];
  }
  return copy;
}

t.test('every protocol: JS SDK and AWS CLI parse the same outputs and errors', { skip: existsSync('/usr/bin/aws') ? false : 'Debian awscli (/usr/bin/aws) is not installed' }, async (t) => {
  const { world } = loadWorld(WORLD);
  const r = await runInSandbox({
    world, timeoutMs: 240_000,
    cmd: [process.execPath, '--import', 'tsx', 'test/standin/fidelity-services-inside.ts', '{{harness.accessKeyId}}', '{{harness.secretAccessKey}}', JSON.stringify(SERVICE_CALLS)],
  });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'inside script ran' : `inside script failed: ${r.stderr.slice(-800)}`);
  const out: Array<{ call: any; sdk: any; cli: any }> = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]');
  t.equal(out.length, SERVICE_CALLS.length);
  for (const { call, sdk, cli } of out) {
    const name = `${call.service} ${call.op}${call.unknownKey ? ' (unknown key)' : ''}`;
    t.not(cli.code, 'CLI_FAILED', `${name}: the CLI parsed the answer${cli.code === 'CLI_FAILED' ? `: ${cli.message}` : ''}`);
    t.equal(sdk.ok, !call.unknownKey && !(call.params?.name === 'missing'), `${name}: outcome${sdk.ok ? '' : ` (${sdk.code}: ${sdk.message})`}`);
    t.same(cli, without(sdk, NEWER_THAN_CLI_MODEL[`${call.service} ${call.op}`] ?? []), `${name}: same answer`);
  }
  t.ok(r.requests.filter((e: any) => e.harness).length >= 2 * (SERVICE_CALLS.length - 4), 'harness calls logged apart');
});
