// The live policy probes with a fake AwsAccess: the documents come URL-encoded as IAM sends them, a denied read
// is READ_DENIED (warn) naming the permission and the offline lint command, a missing role is ROLE_NOT_FOUND,
// and one outcome per finding, one OK when none.
import t from 'tap';
import * as trustProbe from '../src/probes/policy/trust.ts';
import * as permissionsProbe from '../src/probes/policy/permissions.ts';
import { AwsCallError } from '../src/aws/errors.ts';
import { trustPolicy, permissionPolicy } from '../src/templates/policies.ts';
import type { AwsAccess, Config, Finding, ProbeContext } from '../src/types.ts';

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-AbCdEf';
const config: Config = {
  region: 'us-east-1', roleArn: ROLE, platformAccountId: '999988887777', organizationId: 'org-7f3a9c', clusterName: 'prod',
  namespace: 'xpander', serviceAccount: 'ai-gateway', secrets: [SECRET], targets: [], external: ['sts'], athenaWorkGroups: [],
  sessionDurationSeconds: 3600, sessionTags: { 'gateway-doctor': 'probe' },
  options: { probeTimeoutMs: 5000, connectTimeoutMs: 3000, runTimeoutMs: 60000, concurrency: 4 },
};

type Handler = (input: any) => any;
function ctxWith(handlers: Record<string, Handler>, calls: string[] = []): ProbeContext {
  const aws: AwsAccess = {
    async call(service, operation, input) {
      calls.push(`${service}:${operation}`);
      const h = handlers[`${service}:${operation}`];
      if (!h) throw new AwsCallError({ service, operation, kind: 'not-found', awsCode: 'ResourceNotFoundException', message: 'not in this fake' });
      return h(input);
    },
    async credentials() {
      return { accessKeyId: 'AKIDFAKE', secretAccessKey: 'x' };
    },
  };
  const evidence: Record<string, unknown> = {};
  return {
    config: { ...config }, where: 'laptop', env: {}, signal: new AbortController().signal,
    results: { get: () => [], failureCodes: () => [] }, aws,
    record: (e) => Object.assign(evidence, e), log: () => {},
  };
}
const denied = (service: any, operation: string) => () => {
  throw new AwsCallError({ service, operation, kind: 'denied', awsCode: 'AccessDenied', httpStatus: 403, message: `User: x is not authorized to perform: ${service}:${operation}` });
};
const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
const list = (r: Finding | Finding[]) => (Array.isArray(r) ? r : [r]);

function iam(trust: unknown, inline: unknown, extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    'iam:GetRole': () => ({ Role: { RoleName: 'ai-gateway', Arn: ROLE, RoleId: 'AROAQXG5EXAMPLEGW001', AssumeRolePolicyDocument: enc(trust) } }),
    'iam:ListRolePolicies': () => ({ PolicyNames: ['gateway'], IsTruncated: false }),
    'iam:GetRolePolicy': () => ({ PolicyDocument: enc(inline) }),
    'iam:ListAttachedRolePolicies': () => ({ AttachedPolicies: [], IsTruncated: false }),
    'secretsmanager:DescribeSecret': () => ({ KmsKeyId: 'alias/aws/secretsmanager' }),
    ...extra,
  };
}
const goodTrust = trustPolicy(config);
const goodPerms = permissionPolicy({ roleArn: ROLE, secrets: [SECRET] });

t.test('healthy: one OK each, documents decoded, each read sent once per run', async (t) => {
  const calls: string[] = [];
  const ctx = ctxWith(iam(goodTrust, goodPerms), calls);
  t.same(list(await trustProbe.run(ctx)).map((f) => f.code), ['OK']);
  t.same(list(await permissionsProbe.run(ctx)).map((f) => f.code), ['OK']);
  t.equal(calls.filter((c) => c === 'iam:GetRole').length, 1, 'GetRole shared by both probes');
});

t.test('C14 live: one outcome per finding with location evidence', async (t) => {
  const merged = { Version: '2012-10-17', Statement: [goodTrust.Statement[0], { ...goodTrust.Statement[1], Principal: { AWS: ['arn:aws:iam::999988887777:root', ROLE] } }] };
  const findings = list(await trustProbe.run(ctxWith(iam(merged, goodPerms))));
  t.same(findings.map((f) => f.code), ['TRUST_SELF_HAS_EXTERNAL_ID']);
  t.equal(findings[0].evidence?.statementIndex, 1);
  t.equal(findings[0].evidence?.sid, 'PlatformAccess');
  t.equal(findings[0].evidence?.key, 'sts:ExternalId');
  t.match(findings[0].remedy?.commands?.[0], /update-assume-role-policy --role-name ai-gateway/);
});

t.test('C27: reads denied → READ_DENIED naming the permission and the lint command', async (t) => {
  const ctx = ctxWith(iam(goodTrust, goodPerms, { 'iam:GetRole': denied('iam', 'GetRole'), 'iam:ListRolePolicies': denied('iam', 'ListRolePolicies') }));
  const [trust] = list(await trustProbe.run(ctx));
  t.equal(trust.code, 'READ_DENIED');
  t.same(trust.evidence?.permissionsNeeded, ['iam:GetRole']);
  t.match(trust.remedy?.commands?.[0], /gateway-doctor lint/);
  const [perms] = list(await permissionsProbe.run(ctx));
  t.equal(perms.code, 'READ_DENIED');
  t.same(perms.evidence?.permissionsNeeded, ['iam:ListRolePolicies']);
});

t.test('a role that does not exist: ROLE_NOT_FOUND', async (t) => {
  const ctx = ctxWith(iam(goodTrust, goodPerms, { 'iam:GetRole': () => { throw new AwsCallError({ service: 'iam', operation: 'GetRole', kind: 'not-found', awsCode: 'NoSuchEntity', httpStatus: 404, message: 'The role with name ai-gateway cannot be found.' }); } }));
  t.same(list(await trustProbe.run(ctx)).map((f) => f.code), ['ROLE_NOT_FOUND']);
});

t.test('C28: the key policy delegates to IAM, no kms:Decrypt grant → PERMISSION_KMS_DECRYPT_MISSING for that secret', async (t) => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000001';
  const ctx = ctxWith(iam(goodTrust, goodPerms, {
    'secretsmanager:DescribeSecret': () => ({ KmsKeyId: KEY }),
    'kms:DescribeKey': () => ({ KeyMetadata: { Arn: KEY, KeyManager: 'CUSTOMER' } }),
    'kms:GetKeyPolicy': () => ({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] }) }),
  }));
  const findings = list(await permissionsProbe.run(ctx));
  t.same(findings.map((f) => [f.code, f.subject, f.evidence?.missing]), [['PERMISSION_KMS_DECRYPT_MISSING', SECRET, 'identity-policy']]);
});

t.test('a slow key read is waited for, never taken as a granted kms:Decrypt', async (t) => {
  // Under load the key reads can take most of the probe deadline; the probe used to give up on them early and
  // pass. It waits (the runner's deadline bounds it), so the missing grant is still found.
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000002';
  const slow = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
  const ctx = ctxWith(iam(goodTrust, goodPerms, {
    'secretsmanager:DescribeSecret': () => ({ KmsKeyId: KEY }),
    'kms:DescribeKey': () => ({ KeyMetadata: { Arn: KEY, KeyManager: 'CUSTOMER' } }),
    'kms:GetKeyPolicy': () => slow(700, { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] }) }),
  }));
  ctx.config.options = { ...ctx.config.options, probeTimeoutMs: 1000 };
  const findings = list(await permissionsProbe.run(ctx));
  t.same(findings.map((f) => f.code), ['PERMISSION_KMS_DECRYPT_MISSING']);
});

t.test('a key that cannot be read is said in the OK summary, not only in evidence', async (t) => {
  const ctx = ctxWith(iam(goodTrust, goodPerms, { 'secretsmanager:DescribeSecret': denied('secretsmanager', 'DescribeSecret') }));
  const [f] = list(await permissionsProbe.run(ctx));
  t.equal(f!.code, 'OK');
  t.match(f!.summary, /kms:Decrypt not checked for 1 secret\(s\) \(secretsmanager:DescribeSecret AccessDenied\)/);
});
