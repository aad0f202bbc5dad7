// Table tests for the trust and permission analyzers (ESLint-tester style): each valid case yields no finding,
// each invalid case yields exactly the expected codes at the expected locations, and every remedy is proven by
// re-analysing the corrected document: the finding is gone.
import t from 'tap';
import { analyzeTrust } from '../src/analyze/trust.ts';
import { analyzeKmsDecrypt, analyzePermissions, type NamedPolicy } from '../src/analyze/permissions.ts';
import { evaluateCondition, parsePolicy, arnMatch, actionMatch } from '../src/analyze/iam.ts';
import { trustPolicy, permissionPolicy, readPolicy, bootstrapTrustPolicy, selfStatementViaAccountRoot } from '../src/templates/policies.ts';
import type { PolicyContract } from '../src/analyze/policy-types.ts';

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const PLAT_ROOT = 'arn:aws:iam::999988887777:root';
const SECRET = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-AbCdEf';
const contract: PolicyContract = {
  roleArn: ROLE,
  platformAccountId: '999988887777',
  organizationId: 'org-7f3a9c',
  region: 'us-east-1',
  clusterName: 'prod',
  namespace: 'xpander',
  serviceAccount: 'ai-gateway',
  secrets: [SECRET],
  sessionTags: { 'gateway-doctor': 'probe' },
};
const POD = { Sid: 'PodIdentity', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] };
const PLATFORM = { Sid: 'PlatformAccess', Effect: 'Allow', Principal: { AWS: PLAT_ROOT }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'org-7f3a9c' } } };
const SELF = { Sid: 'SelfAssume', Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['sts:AssumeRole', 'sts:TagSession'] };
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

interface TrustCase {
  name: string;
  document: unknown;
  /** code → JSON pointer of the finding */
  findings: [string, string][];
  admission?: 'direct' | 'account-root' | 'none';
}

const trustValid: TrustCase[] = [
  { name: 'the contract', document: trustPolicy(contract), findings: [], admission: 'direct' },
  { name: 'URL-encoded as GetRole returns it', document: encodeURIComponent(JSON.stringify(trustPolicy(contract))), findings: [], admission: 'direct' },
  { name: 'a single statement object per contract role, in another order', document: doc(SELF, PLATFORM, POD), findings: [] },
  { name: 'pod identity conditioned on the right namespace and SourceAccount', document: doc({ ...POD, Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'xpander', 'aws:SourceAccount': '111122223333' } } }, PLATFORM, SELF), findings: [] },
  { name: 'pod identity conditioned on the pod name (unknown offline, taken as met)', document: doc({ ...POD, Condition: { StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'ai-gateway-*' } } }, PLATFORM, SELF), findings: [] },
  { name: 'platform ExternalId as a one-element list', document: doc(POD, { ...PLATFORM, Condition: { StringEquals: { 'sts:ExternalId': ['org-7f3a9c'] } } }, SELF), findings: [] },
  { name: 'action wildcards sts:* and mixed case', document: doc(POD, PLATFORM, { ...SELF, Action: 'STS:*' }), findings: [] },
  { name: 'self statement requiring TLS (aws:SecureTransport is true on the gateway\'s calls)', document: doc(POD, PLATFORM, { ...SELF, Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), findings: [], admission: 'direct' },
  { name: 'a guard Deny for the platform account without the ExternalId', document: doc(POD, PLATFORM, SELF, { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalAccount': '999988887777' }, StringNotEquals: { 'sts:ExternalId': 'org-7f3a9c' } } }), findings: [] },
];

const trustInvalid: TrustCase[] = [
  { name: 'C12 IRSA-style only', document: doc({ Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC' }, Action: 'sts:AssumeRoleWithWebIdentity' }, PLATFORM, SELF), findings: [['TRUST_POD_IDENTITY_MISSING', '/Statement']] },
  { name: 'C06 pod identity without TagSession', document: doc({ ...POD, Action: 'sts:AssumeRole' }, PLATFORM, SELF), findings: [['TRUST_POD_IDENTITY_NO_TAG_SESSION', '/Statement/0/Action']] },
  { name: 'C07 wrong namespace tag', document: doc({ ...POD, Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'other' } } }, PLATFORM, SELF), findings: [['TRUST_POD_IDENTITY_CONDITION_MISMATCH', '/Statement/0/Condition/StringEquals/aws:RequestTag~1kubernetes-namespace']] },
  { name: 'C08 association-ARN SourceArn', document: doc({ ...POD, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/*' } } }, PLATFORM, SELF), findings: [['TRUST_POD_IDENTITY_CONDITION_MISMATCH', '/Statement/0/Condition/ArnLike/aws:SourceArn']] },
  { name: 'C13 no self statement', document: doc(POD, PLATFORM), findings: [['TRUST_SELF_MISSING', '/Statement']], admission: 'none' },
  { name: 'C14 self merged into the platform statement', document: doc(POD, { Sid: 'PlatformAndSelf', Effect: 'Allow', Principal: { AWS: [PLAT_ROOT, ROLE] }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'org-7f3a9c' } } }), findings: [['TRUST_SELF_HAS_EXTERNAL_ID', '/Statement/1/Condition/StringEquals/sts:ExternalId']], admission: 'none' },
  { name: 'C15 self without TagSession', document: doc(POD, PLATFORM, { ...SELF, Action: 'sts:AssumeRole' }), findings: [['TRUST_SELF_NO_TAG_SESSION', '/Statement/2/Action']] },
  { name: 'C16 self via the account root', document: doc(POD, PLATFORM, { Sid: 'Account', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }), findings: [['TRUST_SELF_VIA_ACCOUNT_ROOT', '/Statement/2/Principal']], admission: 'account-root' },
  { name: 'self via the bare account id', document: doc(POD, PLATFORM, { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }), findings: [['TRUST_SELF_VIA_ACCOUNT_ROOT', '/Statement/2/Principal']], admission: 'account-root' },
  { name: 'C20 platform without ExternalId', document: doc(POD, { ...PLATFORM, Condition: undefined }, SELF), findings: [['TRUST_PLATFORM_NO_EXTERNAL_ID', '/Statement/1']] },
  { name: 'C21 ExternalId mismatch', document: doc(POD, { ...PLATFORM, Condition: { StringEquals: { 'sts:ExternalId': 'org-old' } } }, SELF), findings: [['TRUST_PLATFORM_EXTERNAL_ID_MISMATCH', '/Statement/1/Condition/StringEquals/sts:ExternalId']] },
  { name: 'C22 StringEqualsIfExists', document: doc(POD, { ...PLATFORM, Condition: { StringEqualsIfExists: { 'sts:ExternalId': 'org-7f3a9c' } } }, SELF), findings: [['TRUST_PLATFORM_EXTERNAL_ID_WEAK', '/Statement/1/Condition/StringEqualsIfExists/sts:ExternalId']] },
  { name: 'StringLike wildcard ExternalId', document: doc(POD, { ...PLATFORM, Condition: { StringLike: { 'sts:ExternalId': 'org-*' } } }, SELF), findings: [['TRUST_PLATFORM_EXTERNAL_ID_WEAK', '/Statement/1/Condition/StringLike/sts:ExternalId']] },
  { name: 'ForAllValues without a presence check', document: doc(POD, { ...PLATFORM, Condition: { 'ForAllValues:StringEquals': { 'sts:ExternalId': 'org-7f3a9c' } } }, SELF), findings: [['TRUST_PLATFORM_EXTERNAL_ID_WEAK', '/Statement/1/Condition/ForAllValues:StringEquals/sts:ExternalId']] },
  { name: 'no platform statement', document: doc(POD, SELF), findings: [['TRUST_PLATFORM_MISSING', '/Statement']] },
  { name: 'C23 Resource in a trust statement', document: doc(POD, PLATFORM, { ...SELF, Resource: ROLE }), findings: [['TRUST_INVALID', '/Statement/2/Resource']] },
  { name: 'C23 NotPrincipal', document: doc(POD, PLATFORM, SELF, { Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:user/x' }, Action: 'sts:AssumeRole' }), findings: [['TRUST_INVALID', '/Statement/3/NotPrincipal']] },
  { name: 'partial wildcard principal', document: doc(POD, PLATFORM, SELF, { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/*' }, Action: 'sts:AssumeRole' }), findings: [['TRUST_INVALID', '/Statement/3/Principal/AWS']] },
  { name: 'unparseable', document: '{"Version": "2012-10-17", "Statement": [', findings: [['TRUST_INVALID', '']], admission: 'none' },
  { name: 'a bare unique id (deleted role)', document: doc(POD, PLATFORM, SELF, { Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEDELETED01' }, Action: 'sts:AssumeRole' }), findings: [['TRUST_PRINCIPAL_UNIQUE_ID', '/Statement/3/Principal/AWS']] },
  { name: 'a deny on the role itself', document: doc(POD, PLATFORM, SELF, { Sid: 'NoSelf', Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'sts:AssumeRole' }), findings: [['TRUST_EXPLICIT_DENY', '/Statement/3']] },
  // aws:PrincipalIsAWSService is in every signed request: false for the gateway's session (v-trust-deny-guard-blocks-self)
  { name: 'a guard Deny on non-service principals without the ExternalId blocks the self-assume', document: doc(POD, PLATFORM, SELF, { Sid: 'Guard', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringNotEquals: { 'sts:ExternalId': 'org-7f3a9c' }, Bool: { 'aws:PrincipalIsAWSService': 'false' } } }), findings: [['TRUST_EXPLICIT_DENY', '/Statement/3']] },
];

t.test('trust analysis: valid documents yield nothing', async (t) => {
  for (const c of trustValid) {
    const r = analyzeTrust(c.document, contract);
    t.same(r.findings.map((f) => f.code), [], c.name);
    if (c.admission) t.equal(r.selfAdmission, c.admission, `${c.name}: admission`);
  }
});

t.test('trust analysis: each invalid document yields its code at its location, and the remedy removes it', async (t) => {
  for (const c of trustInvalid) {
    const r = analyzeTrust(c.document, contract);
    t.same(r.findings.map((f) => [f.code, f.location?.pointer]), c.findings, c.name);
    if (c.admission) t.equal(r.selfAdmission, c.admission, `${c.name}: admission`);
    for (const f of r.findings) {
      t.ok(f.remedy?.commands?.[0]?.includes('update-assume-role-policy --role-name ai-gateway'), `${c.name}: command`);
      t.ok(f.key && f.expected !== undefined && f.actual !== undefined, `${c.name}: key/expected/actual`);
    }
    const again = analyzeTrust(r.corrected, contract);
    t.same(again.findings.map((f) => f.code), [], `${c.name}: corrected document is clean`);
  }
});

t.test('C14: the finding names the statement, key and both values', async (t) => {
  const r = analyzeTrust(trustInvalid.find((c) => c.name.startsWith('C14'))!.document, contract);
  const f = r.findings[0];
  t.equal(f.location?.statementIndex, 1);
  t.equal(f.location?.sid, 'PlatformAndSelf');
  t.equal(f.key, 'sts:ExternalId');
  t.match(f.actual, /org-7f3a9c/);
  t.match(f.summary, /merged/);
  // the split keeps the platform statement with its ExternalId and adds a self statement without one
  const statements = (r.corrected.Statement as any[]);
  t.ok(statements.some((s) => s.Principal?.AWS === PLAT_ROOT && s.Condition?.StringEquals?.['sts:ExternalId'] === 'org-7f3a9c'));
  t.ok(statements.some((s) => s.Principal?.AWS === ROLE && !s.Condition));
});

t.test('C21: mismatch shows both values', async (t) => {
  const r = analyzeTrust(trustInvalid.find((c) => c.name.startsWith('C21'))!.document, contract);
  t.equal(r.findings[0].expected, 'org-7f3a9c');
  t.equal(r.findings[0].actual, 'org-old');
});

const inline = (name: string, ...Statement: unknown[]): NamedPolicy => ({ kind: 'inline', name, document: doc(...Statement) });
const SELF_PERM = { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: ROLE };
const SECRET_PERM = { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-??????' };

interface PermCase {
  name: string;
  identity: NamedPolicy[];
  boundary?: NamedPolicy;
  scps?: NamedPolicy[];
  admission: 'direct' | 'account-root' | 'none';
  findings: [string, string, string?][]; // code, status, pointer
}

const permCases: PermCase[] = [
  { name: 'the contract', identity: [{ kind: 'inline', name: 'gateway', document: permissionPolicy({ roleArn: ROLE, secrets: [SECRET] }) }], admission: 'direct', findings: [] },
  { name: 'the exact secret ARN', identity: [inline('gw', SELF_PERM, { ...SECRET_PERM, Resource: SECRET })], admission: 'direct', findings: [] },
  { name: 'a managed policy holds the grant', identity: [{ kind: 'managed', name: 'gw', arn: 'arn:aws:iam::111122223333:policy/gw', document: doc(SELF_PERM, SECRET_PERM) }], admission: 'account-root', findings: [] },
  { name: 'C16 no TagSession grant, trust via root', identity: [inline('gw', { ...SELF_PERM, Action: 'sts:AssumeRole' }, SECRET_PERM)], admission: 'account-root', findings: [['PERMISSION_TAG_SESSION_MISSING', 'fail', '/Statement']] },
  { name: 'no self grants, trust names the ARN (warn)', identity: [inline('gw', SECRET_PERM)], admission: 'direct', findings: [['PERMISSION_SELF_ASSUME_MISSING', 'warn', '/Statement'], ['PERMISSION_TAG_SESSION_MISSING', 'warn', '/Statement']] },
  { name: 'no self grants, trust via root (fail)', identity: [inline('gw', SECRET_PERM)], admission: 'account-root', findings: [['PERMISSION_SELF_ASSUME_MISSING', 'fail', '/Statement'], ['PERMISSION_TAG_SESSION_MISSING', 'fail', '/Statement']] },
  { name: 'C29 twin: secret without the suffix', identity: [inline('gw', SELF_PERM, { ...SECRET_PERM, Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake' })], admission: 'direct', findings: [['PERMISSION_SECRETS_MISSING', 'fail', '/Statement/1/Resource']] },
  { name: 'C24 GetSecretValue on *', identity: [inline('gw', SELF_PERM, { ...SECRET_PERM, Resource: '*' })], admission: 'direct', findings: [['PERMISSION_SECRETS_WILDCARD', 'warn', '/Statement/1/Resource']] },
  { name: 'secretsmanager:* on a prefix wildcard', identity: [inline('gw', SELF_PERM, { Effect: 'Allow', Action: 'secretsmanager:*', Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/*' })], admission: 'direct', findings: [['PERMISSION_SECRETS_WILDCARD', 'warn', '/Statement/1/Resource']] },
  { name: 'C25 boundary without STS', identity: [inline('gw', SELF_PERM, SECRET_PERM)], boundary: { kind: 'boundary', name: 'cap', arn: 'arn:aws:iam::111122223333:policy/cap', document: doc({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }) }, admission: 'direct', findings: [['PERMISSION_BOUNDARY_BLOCKS', 'fail', '/Statement'], ['PERMISSION_BOUNDARY_BLOCKS', 'fail', '/Statement']] },
  { name: 'explicit deny on TagSession', identity: [inline('gw', SELF_PERM, SECRET_PERM, { Sid: 'NoTags', Effect: 'Deny', Action: 'sts:TagSession', Resource: '*' })], admission: 'direct', findings: [['PERMISSION_EXPLICIT_DENY', 'fail', '/Statement/2']] },
  { name: 'an SCP allowing only secrets', identity: [inline('gw', SELF_PERM, SECRET_PERM)], scps: [{ kind: 'scp', name: 'org', document: doc({ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }) }], admission: 'direct', findings: [['PERMISSION_SCP_BLOCKS', 'fail', '/Statement'], ['PERMISSION_SCP_BLOCKS', 'fail', '/Statement']] },
];

t.test('permission analysis table', async (t) => {
  for (const c of permCases) {
    const r = analyzePermissions({ identityPolicies: c.identity, boundary: c.boundary, scps: c.scps, selfAdmission: c.admission }, contract);
    t.same(r.findings.map((f) => [f.code, f.status, f.location?.pointer]), c.findings.map(([code, status, p]) => [code, status, p]), c.name);
    for (const f of r.findings) t.ok(f.remedy?.text, `${c.name}: remedy`);
  }
});

t.test('permission remedies applied: the finding is gone', async (t) => {
  for (const c of permCases) {
    const r = analyzePermissions({ identityPolicies: c.identity, boundary: c.boundary, scps: c.scps, selfAdmission: c.admission }, contract);
    for (const f of r.findings) {
      if (f.code === 'PERMISSION_SCP_BLOCKS' || f.code === 'PERMISSION_EXPLICIT_DENY') continue;
      const fixed = f.remedy!.policy as object;
      let identity = c.identity;
      let boundary = c.boundary;
      if (f.code === 'PERMISSION_BOUNDARY_BLOCKS') boundary = { ...c.boundary!, document: fixed };
      else if (f.location?.kind === 'managed') identity = c.identity.map((p) => (p.name === f.location?.policyName ? { ...p, document: fixed } : p));
      else identity = [...c.identity.filter((p) => p.kind !== 'inline'), { kind: 'inline', name: 'gw', document: fixed }];
      const again = analyzePermissions({ identityPolicies: identity, boundary, scps: c.scps, selfAdmission: c.admission }, contract);
      t.notOk(again.findings.some((g) => g.code === f.code && g.subject === f.subject && g.evidence.action === f.evidence.action), `${c.name}: ${f.code} gone`);
    }
  }
});

t.test('newcomer: the inline remedies are one document — applying them one after the other (each put-role-policy replaces the policy) loses none', async (t) => {
  const cases: { name: string; identity: NamedPolicy[] }[] = [
    { name: 'no policy at all', identity: [] },
    { name: 'inline with a wildcard secret grant only', identity: [inline('gw', { Sid: 'ReadConnectorSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' })] },
    { name: 'inline with an unrelated grant', identity: [inline('gw', { Sid: 'Logs', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' })] },
  ];
  for (const c of cases) {
    const first = analyzePermissions({ identityPolicies: c.identity, selfAdmission: 'account-root' }, contract);
    const inlineFixes = first.findings.filter((f) => f.remedy?.policy && f.remedy.commands?.some((cmd) => cmd.includes('put-role-policy')));
    t.ok(inlineFixes.length >= 2, `${c.name}: several inline fixes (${inlineFixes.map((f) => f.code).join(', ')})`);
    // what a user does: write each remedy's permissions.json and run its put-role-policy, in report order
    let identity = c.identity;
    for (const f of inlineFixes) identity = [...identity.filter((p) => p.kind !== 'inline'), { kind: 'inline', name: 'gw', document: f.remedy!.policy as object }];
    const again = analyzePermissions({ identityPolicies: identity, selfAdmission: 'account-root' }, contract);
    t.same(again.findings.map((f) => f.code), [], `${c.name}: nothing left after applying them in turn`);
    const kept = JSON.stringify((inlineFixes.at(-1)!.remedy!.policy as { Statement: unknown[] }).Statement);
    if (c.name.includes('unrelated')) t.match(kept, /logs:PutLogEvents/, 'the statements already there are kept');
  }
});

t.test('KMS decrypt: key policy grant, delegation to IAM, neither', async (t) => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000001';
  const delegating = doc({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' });
  const direct = doc({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' });
  const closed = doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Action: 'kms:*', Resource: '*' });
  const grant = doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } });
  t.equal(analyzeKmsDecrypt(direct, [], ROLE, KEY).allowed, true, 'key policy names the role');
  t.equal(analyzeKmsDecrypt(delegating, [grant], ROLE, KEY).allowed, true, 'delegated and granted');
  const noGrant = analyzeKmsDecrypt(delegating, [], ROLE, KEY);
  t.same([noGrant.allowed, noGrant.code, noGrant.missing], [false, 'PERMISSION_KMS_DECRYPT_MISSING', 'identity-policy']);
  t.equal(analyzeKmsDecrypt(delegating, [noGrant.remedy!.policy].map((s) => doc(s)), ROLE, KEY).allowed, true, 'remedy applied');
  const keyMissing = analyzeKmsDecrypt(closed, [grant], ROLE, KEY);
  t.same([keyMissing.allowed, keyMissing.missing], [false, 'key-policy'], 'an identity grant cannot help a key policy that does not delegate');
  const fixedKey = { ...closed, Statement: [...closed.Statement, keyMissing.remedy!.policy] };
  t.equal(analyzeKmsDecrypt(fixedKey, [], ROLE, KEY).allowed, true, 'key policy remedy applied');
  t.equal(analyzeKmsDecrypt(direct, [doc({ Effect: 'Deny', Action: 'kms:*', Resource: '*' })], ROLE, KEY).code, 'PERMISSION_EXPLICIT_DENY');
});

t.test('condition operators', async (t) => {
  const rows: [string, string, string[], Record<string, string | string[]>, boolean][] = [
    ['StringEquals', 'k', ['a'], { k: 'a' }, true],
    ['StringEquals', 'k', ['a'], {}, false],
    ['StringNotEquals', 'k', ['a'], {}, true],
    ['StringNotEquals', 'k', ['a', 'b'], { k: 'b' }, false],
    ['StringEqualsIgnoreCase', 'k', ['ABC'], { k: 'abc' }, true],
    ['StringLike', 'k', ['a*c'], { k: 'abbc' }, true],
    ['StringLike', 'k', ['a?c'], { k: 'abbc' }, false],
    ['StringEqualsIfExists', 'k', ['a'], {}, true],
    ['StringEqualsIfExists', 'k', ['a'], { k: 'b' }, false],
    ['ForAnyValue:StringEquals', 'k', ['a'], { k: ['b', 'a'] }, true],
    ['ForAnyValue:StringEquals', 'k', ['a'], {}, false],
    ['ForAllValues:StringEquals', 'k', ['a', 'b'], { k: ['b', 'a'] }, true],
    ['ForAllValues:StringEquals', 'k', ['a'], { k: ['b', 'a'] }, false],
    ['ForAllValues:StringEquals', 'k', ['a'], {}, true],
    ['Bool', 'aws:SecureTransport', ['true'], { 'aws:SecureTransport': 'TRUE' }, true],
    ['Null', 'k', ['true'], {}, true],
    ['Null', 'k', ['false'], {}, false],
    ['NumericLessThanEquals', 'n', ['3600'], { n: '3600' }, true],
    ['NumericGreaterThan', 'n', ['3600'], { n: '10' }, false],
    ['ArnLike', 'aws:SourceArn', ['arn:aws:eks:*:111122223333:cluster/*'], { 'aws:SourceArn': 'arn:aws:eks:us-east-1:111122223333:cluster/prod' }, true],
    ['ArnEquals', 'aws:SourceArn', ['arn:aws:eks:us-east-1:111122223333:cluster/dev'], { 'aws:SourceArn': 'arn:aws:eks:us-east-1:111122223333:cluster/prod' }, false],
    ['ArnNotLike', 'aws:SourceArn', ['arn:aws:eks:*:*:cluster/dev'], { 'aws:SourceArn': 'arn:aws:eks:us-east-1:111122223333:cluster/prod' }, true],
    ['IpAddress', 'aws:SourceIp', ['10.0.0.0/16'], { 'aws:SourceIp': '10.0.3.17' }, true],
    ['NotIpAddress', 'aws:SourceIp', ['10.0.0.0/16'], { 'aws:SourceIp': '10.0.3.17' }, false],
    ['StringEquals', 'aws:PrincipalTag/team', ['${aws:PrincipalTag/owner}'], { 'aws:PrincipalTag/team': 'x', 'aws:PrincipalTag/owner': 'x' }, true],
  ];
  for (const [operator, key, values, context, expected] of rows) {
    const e = evaluateCondition({ operator, key, values }, context);
    t.equal(e.matches, expected, `${operator} ${key} ${JSON.stringify(values)} over ${JSON.stringify(context)}: ${e.message}`);
    t.ok(e.message.length > 0);
  }
  t.ok(actionMatch('sts:Assume*', 'STS:AssumeRole'));
  t.notOk(actionMatch('sts:Tag*', 'sts:AssumeRole'));
  t.ok(arnMatch('arn:aws:secretsmanager:*:111122223333:secret:gw/*', SECRET));
  t.notOk(arnMatch('arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake', SECRET));
  t.ok(parsePolicy('not json').issues.length > 0);
});

t.test('permissions: a GetSecretValue grant conditioned on the secret\'s tags, with the tags read or not (v-secret-resource-tag-mismatch)', async (t) => {
  const abac = { kind: 'inline' as const, name: 'gateway', document: doc(
    { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: ROLE },
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET, Condition: { StringEquals: { 'aws:ResourceTag/team': 'gateway' } } },
  ) };
  const codes = (secretTags?: Record<string, Record<string, string>>) =>
    analyzePermissions({ identityPolicies: [abac], selfAdmission: 'direct' }, { ...contract, ...(secretTags ? { secretTags } : {}) }).findings.map((f) => f.code);
  t.same(codes(), [], 'tags unknown: the condition is taken as met');
  t.same(codes({ [SECRET]: { team: 'gateway' } }), [], 'the secret carries the tag');
  t.same(codes({ [SECRET]: { team: 'data-platform' } }), ['PERMISSION_SECRETS_MISSING'], 'another value: no grant applies');
  t.same(codes({ [SECRET]: {} }), ['PERMISSION_SECRETS_MISSING'], 'no tags at all: the key is absent');
  const f = analyzePermissions({ identityPolicies: [abac], selfAdmission: 'direct' }, { ...contract, secretTags: { [SECRET]: { team: 'data-platform' } } }).findings[0];
  t.match(f?.summary, /condition does not hold/, 'the summary names the failing condition, not a missing grant');
});

t.test('templates: the policies gateway-doctor prints pass its own analysis', async (t) => {
  t.same(analyzeTrust(trustPolicy(contract), contract).findings, []);
  const boot = analyzeTrust(bootstrapTrustPolicy(contract), contract);
  t.same(boot.findings.map((f) => f.code), ['TRUST_SELF_MISSING'], 'step one lacks only the self statement');
  const viaRoot = analyzeTrust({ ...bootstrapTrustPolicy(contract), Statement: [...bootstrapTrustPolicy(contract).Statement, selfStatementViaAccountRoot(ROLE)] }, contract);
  t.same(viaRoot.findings.map((f) => [f.code, f.evidence.narrowedByPrincipalArn]), [['TRUST_SELF_VIA_ACCOUNT_ROOT', true]], 'the fresh-account alternative costs an identity grant');
  const r = analyzePermissions({ identityPolicies: [{ kind: 'inline', name: 'gateway', document: permissionPolicy({ roleArn: ROLE, secrets: [SECRET] }) }], selfAdmission: 'account-root' }, contract);
  t.same(r.findings, []);
  const read = readPolicy({ roleArn: ROLE });
  t.ok(JSON.stringify(read).includes('iam:GetRole'));
  t.notOk(JSON.stringify(read).includes('GetSecretValue'), 'the diagnostic read policy grants no secret values');
});

t.test('the read policy covers every read the probes send (the allowlist minus the secret value and STS)', async (t) => {
  const { ALLOWED_OPERATIONS } = await import('../src/aws/allowlist.ts');
  const granted = new Set(Object.values((await import('../src/templates/policies.ts')).DIAGNOSTIC_READ_ACTIONS).flat().map((a) => a.toLowerCase()));
  const optional = new Set(['eks:listaddons', 'secretsmanager:getresourcepolicy', 'kms:listaliases']); // on the allowlist, not sent by any probe today
  for (const [service, ops] of Object.entries(ALLOWED_OPERATIONS)) {
    for (const op of ops) {
      const action = `${service}:${op}`.toLowerCase();
      if (service === 'sts' || action === 'secretsmanager:getsecretvalue' || optional.has(action)) continue;
      t.ok(granted.has(action), `${action} is in the read policy`);
    }
  }
});
