// Table tests of the secrets, audit, Athena and EKS-association probes: their pure rules (ARN parsing, error
// classification, the key-policy check, trail assessment, workgroup and association assessment) and each probe's
// run() against a scripted AwsAccess, so every code they emit is reached here without the sandbox.
import t from 'tap';
import { AwsCallError } from '../src/aws/errors.ts';
import { redact, clearRegisteredSecrets } from '../src/redact.ts';
import type { AwsCallErrorInfo, Config, Finding, Outcome, ProbeContext, ServiceId } from '../src/types.ts';
import {
  classifySecretError,
  deniedBy,
  describeSecretValue,
  layoutIssues,
  parseSecretArn,
  secretFragments,
  suffixPattern,
} from '../src/probes/secrets/classify.ts';
import { checkKeyPolicyDecrypt } from '../src/probes/secrets/kms-policy.ts';
import { assessTrails, managementCoverage, type TrailFacts } from '../src/probes/audit/trails.ts';
import { assessWorkGroup } from '../src/probes/services/athena.ts';
import { assessAssociation } from '../src/probes/services/eks-association.ts';
import * as read from '../src/probes/secrets/read.ts';
import * as layout from '../src/probes/secrets/layout.ts';
import * as cloudtrail from '../src/probes/audit/cloudtrail.ts';
import * as athena from '../src/probes/services/athena.ts';
import * as eksAssociation from '../src/probes/services/eks-association.ts';

const ACCT = '111122223333';
const ROLE = `arn:aws:iam::${ACCT}:role/ai-gateway`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/prod/snowflake-AbCdEf`;
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCT}:key/1f2e3d4c-0000-4000-8000-000000000001`;

function err(service: ServiceId, operation: string, kind: AwsCallErrorInfo['kind'], awsCode: string | undefined, message: string, httpStatus = 400) {
  return new AwsCallError({ service, operation, kind, awsCode, message, httpStatus, requestId: 'req-1' });
}

const baseConfig: Config = {
  region: 'us-east-1',
  roleArn: ROLE,
  platformAccountId: '999988887777',
  organizationId: 'org-7f3a9c',
  clusterName: 'prod',
  namespace: 'xpander',
  serviceAccount: 'ai-gateway',
  secrets: [SECRET],
  targets: [],
  external: ['sts', 'secretsmanager'],
  athenaWorkGroups: ['primary'],
  sessionDurationSeconds: 3600,
  sessionTags: { 'gateway-doctor': 'probe' },
  options: { probeTimeoutMs: 5000, connectTimeoutMs: 3000, runTimeoutMs: 60000, concurrency: 16 },
};

type Script = Record<string, (input: any, opts?: any) => unknown>;

function fakeCtx(script: Script, opts: { subject?: string; results?: Outcome[]; config?: Partial<Config> } = {}) {
  const calls: Array<{ call: string; input: any; region?: string }> = [];
  const recorded: Record<string, unknown> = {};
  const results = opts.results ?? [];
  const ctx: ProbeContext = {
    config: { ...baseConfig, ...(opts.config ?? {}) },
    where: 'pod',
    env: {},
    subject: opts.subject,
    signal: new AbortController().signal,
    results: {
      get: (id, subject) => results.filter((o) => o.probe === id && (subject === undefined || o.subject === undefined || o.subject === subject)),
      failureCodes: (ids, subject) =>
        results
          .filter((o) => ids.includes(o.probe) && o.status !== 'pass' && (subject === undefined || o.subject === subject))
          .flatMap((o) => [o.code, ...(o.causes ?? [])]),
    },
    aws: {
      async call(service, operation, input, o) {
        calls.push({ call: `${service}:${operation}`, input, region: o?.region });
        const h = script[`${service}:${operation}`];
        if (!h) throw err(service, operation, 'denied', 'AccessDeniedException', `not scripted: ${service}:${operation}`, 400);
        return (await h(input, o)) as any;
      },
      async credentials() {
        return { accessKeyId: 'ASIAFAKE', secretAccessKey: 'x'.repeat(40) };
      },
    },
    record: (e) => Object.assign(recorded, e),
    log: () => {},
  };
  return { ctx, calls, recorded };
}

function outcome(probe: string, code: string, status: Outcome['status'], subject?: string, causes?: string[]): Outcome {
  return { probe, code, status, subject, causes, summary: '', evidence: {}, durationMs: 1 };
}

function codes(f: Finding | Finding[]): string[] {
  return (Array.isArray(f) ? f : [f]).map((x) => x.code);
}

t.test('parseSecretArn and the -?????? form', async (t) => {
  const rows = [
    { arn: SECRET, name: 'gw/prod/snowflake', suffix: '-AbCdEf', pattern: false, region: 'us-east-1' },
    { arn: `arn:aws:secretsmanager:eu-west-1:${ACCT}:secret:gw/prod/snowflake`, name: 'gw/prod/snowflake', suffix: undefined, pattern: false, region: 'eu-west-1' },
    { arn: `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/prod/*`, name: 'gw/prod/*', suffix: undefined, pattern: true, region: 'us-east-1' },
  ];
  for (const r of rows) {
    const p = parseSecretArn(r.arn)!;
    t.equal(p.name, r.name, `name of ${r.arn}`);
    t.equal(p.suffix, r.suffix, `suffix of ${r.arn}`);
    t.equal(p.isPattern, r.pattern, `pattern: ${r.arn}`);
    t.equal(p.region, r.region);
  }
  t.equal(parseSecretArn('gw/prod/snowflake'), undefined, 'a bare name is not an ARN');
  t.equal(suffixPattern(parseSecretArn(SECRET)!), `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/prod/snowflake-??????`);
});

t.test('classifySecretError: AWS error shapes to kinds', async (t) => {
  const rows: Array<[Partial<AwsCallErrorInfo>, string]> = [
    [{ kind: 'denied', awsCode: 'AccessDeniedException', message: 'Access to KMS is not allowed' }, 'kms-denied'],
    [{ kind: 'denied', awsCode: 'AccessDeniedException', message: `User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} because no identity-based policy allows the secretsmanager:GetSecretValue action` }, 'access-denied'],
    [{ kind: 'not-found', awsCode: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'not-found'],
    [{ kind: 'client', awsCode: 'InvalidRequestException', message: "You can't perform this operation on the secret because it was marked for deletion." }, 'scheduled-for-deletion'],
    [{ kind: 'client', awsCode: 'InvalidRequestException', message: 'something else' }, 'other'],
    [{ kind: 'client', awsCode: 'DecryptionFailure', message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key." }, 'decryption-failure'],
    [{ kind: 'unreachable', awsCode: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'unreachable'],
    [{ kind: 'throttled', awsCode: 'ThrottlingException', message: 'Rate exceeded' }, 'other'],
  ];
  for (const [info, kind] of rows) {
    t.equal(classifySecretError({ service: 'secretsmanager', operation: 'GetSecretValue', message: '', ...info } as AwsCallErrorInfo), kind, `${info.awsCode}: ${info.message}`);
  }
  t.equal(deniedBy('... with an explicit deny in a resource-based policy'), 'resource-policy-deny');
  t.equal(deniedBy('... because no identity-based policy allows the secretsmanager:GetSecretValue action'), 'identity-policy');
  t.equal(deniedBy('... with an explicit deny in a service control policy'), 'scp');
  t.equal(deniedBy('User: x is not authorized'), 'unknown');
});

t.test('describeSecretValue never carries the value or key names', async (t) => {
  const json = describeSecretValue({ SecretString: '{"user":"svc","password":"hunter2-canary"}' });
  t.same(json, { valueType: 'json', byteLength: 42, jsonKeyCount: 2 });
  t.notMatch(JSON.stringify(json), /user|password|hunter2/);
  t.same(describeSecretValue({ SecretString: 'plain-token-ÿ' }), { valueType: 'string', byteLength: 14 });
  t.same(describeSecretValue({ SecretBinary: new Uint8Array([1, 2, 3, 4]) }), { valueType: 'binary', byteLength: 4 });
  t.same(describeSecretValue({ SecretString: '[1,2]' }), { valueType: 'string', byteLength: 5 }, 'a JSON array is not a key/value secret');
  const fragments = secretFragments({ SecretString: '{"user":"svc-account","password":"hunter2-canary","port":5439}' });
  t.ok(fragments.includes('hunter2-canary') && fragments.includes('svc-account') && fragments.includes('5439'), 'JSON leaves are masked too');
  t.ok(secretFragments({ SecretBinary: Buffer.from('binary-canary') }).includes(Buffer.from('binary-canary').toString('base64')));
});

t.test('layoutIssues: environment prefixes and patterns', async (t) => {
  const rows: Array<[string, string[]]> = [
    [SECRET, []],
    [`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:prod/snowflake-AbCdEf`, []],
    [`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:snowflake-AbCdEf`, ['no-environment-prefix']],
    [`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/snowflake-AbCdEf`, ['no-environment-prefix']],
    [`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/prod/*`, ['pattern']],
    [`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:*`, ['pattern', 'no-environment-prefix']],
    ['snowflake', ['not-an-arn']],
  ];
  for (const [arn, kinds] of rows) t.same(layoutIssues(arn, 'ai-gateway').map((i) => i.kind), kinds, arn);
  t.same(layoutIssues(`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:snowflake-AbCdEf`, 'ai-gateway')[0].suggestions, [
    'ai-gateway/prod/snowflake',
    'ai-gateway/staging/snowflake',
  ]);
  t.same(layoutIssues(`arn:aws:secretsmanager:us-east-1:${ACCT}:secret:gw/snowflake-AbCdEf`, 'ai-gateway')[0].suggestions, [
    'gw/prod/snowflake',
    'gw/staging/snowflake',
  ]);
});

t.test('checkKeyPolicyDecrypt: who lacks the grant', async (t) => {
  const req = { roleArn: ROLE, accountId: ACCT, region: 'us-east-1' };
  const root = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' };
  const admin = { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/kms-admin` }, Action: 'kms:*', Resource: '*' };
  const roleVia = (service: string) => ({
    Sid: 'Gateway',
    Effect: 'Allow',
    Principal: { AWS: ROLE },
    Action: ['kms:Decrypt', 'kms:DescribeKey'],
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': service } },
  });
  const rows: Array<[string, unknown, string]> = [
    ['default key policy delegates to IAM', { Statement: [root] }, 'delegates-to-iam'],
    ['only an admin role', { Statement: [admin] }, 'no-grant'],
    ['role named, via Secrets Manager', { Statement: [admin, roleVia('secretsmanager.us-east-1.amazonaws.com')] }, 'grants-role'],
    ['role named, via another service only', { Statement: [admin, roleVia('s3.us-east-1.amazonaws.com')] }, 'no-grant'],
    ['role named via a JSON string policy', JSON.stringify({ Statement: [roleVia('secretsmanager.us-east-1.amazonaws.com')] }), 'grants-role'],
    [
      'explicit deny',
      { Statement: [root, { Sid: 'NoGateway', Effect: 'Deny', Principal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' }] },
      'denies',
    ],
    ['NotAction excluding Decrypt', { Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, NotAction: 'kms:Decrypt', Resource: '*' }] }, 'no-grant'],
    ['unparseable', '{not json', 'unreadable'],
  ];
  for (const [name, policy, verdict] of rows) t.equal(checkKeyPolicyDecrypt(policy, req).verdict, verdict, name);
  t.match(checkKeyPolicyDecrypt({ Statement: [root] }, req).explains, /Enable IAM User Permissions/);
});

t.test('assessTrails: missing, not logging, no management events', async (t) => {
  const trail = (o: Partial<TrailFacts>): TrailFacts => ({ name: 'org', homeRegion: 'us-east-1', isMultiRegion: true, isLogging: true, selectorsRead: true, ...o });
  const rows: Array<[string, TrailFacts[], string[]]> = [
    ['none at all', [], ['CLOUDTRAIL_MISSING']],
    ['single-region trail elsewhere', [trail({ isMultiRegion: false, homeRegion: 'eu-west-1' })], ['CLOUDTRAIL_MISSING']],
    ['healthy multi-region', [trail({})], ['OK']],
    ['not logging', [trail({ isLogging: false })], ['CLOUDTRAIL_NOT_LOGGING']],
    ['logging, data events only', [trail({ eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: false }] })], ['CLOUDTRAIL_NO_MANAGEMENT_EVENTS']],
    ['logging, write-only', [trail({ eventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] })], ['CLOUDTRAIL_NO_MANAGEMENT_EVENTS']],
    [
      'one bad, one good',
      [trail({ name: 'a', isLogging: false }), trail({ name: 'b', isMultiRegion: false })],
      ['OK'],
    ],
    [
      'not logging and no management events',
      [trail({ isLogging: false, eventSelectors: [{ IncludeManagementEvents: false }] })],
      ['CLOUDTRAIL_NOT_LOGGING', 'CLOUDTRAIL_NO_MANAGEMENT_EVENTS'],
    ],
    [
      'advanced selectors with management',
      [trail({ advancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] })],
      ['OK'],
    ],
    [
      'advanced selectors, data only',
      [trail({ advancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }] })],
      ['CLOUDTRAIL_NO_MANAGEMENT_EVENTS'],
    ],
  ];
  for (const [name, trails, expected] of rows) t.same(assessTrails(trails, 'us-east-1').map((a) => a.code), expected, name);
  t.equal(managementCoverage(trail({ eventSelectors: [{ ReadWriteType: 'ReadOnly' }, { ReadWriteType: 'WriteOnly' }] })), 'all');
});

t.test('assessWorkGroup and assessAssociation', async (t) => {
  t.same(codes(assessWorkGroup({ State: 'ENABLED', Configuration: { ResultConfiguration: { OutputLocation: 's3://r/' } } }, 'wg', 'us-east-1')), ['OK']);
  t.same(codes(assessWorkGroup({ State: 'DISABLED', Configuration: { ResultConfiguration: { OutputLocation: 's3://r/' } } }, 'wg', 'us-east-1')), ['ATHENA_WORKGROUP_DISABLED']);
  t.same(codes(assessWorkGroup({ State: 'ENABLED', Configuration: {} }, 'wg', 'us-east-1')), ['ATHENA_NO_OUTPUT_LOCATION']);
  t.same(codes(assessWorkGroup({ State: 'ENABLED', Configuration: { ManagedQueryResultsConfiguration: { Enabled: true } } }, 'wg', 'us-east-1')), ['OK']);

  const base = { cluster: 'prod', region: 'us-east-1', namespace: 'xpander', serviceAccount: 'ai-gateway', roleArn: ROLE };
  const active = { status: 'ACTIVE' };
  const rows: Array<[string, Parameters<typeof assessAssociation>[0], string[]]> = [
    ['healthy', { ...base, association: { associationId: 'a-1', roleArn: ROLE }, addon: active }, ['OK']],
    ['missing', { ...base, addon: active }, ['ASSOCIATION_MISSING']],
    ['other role', { ...base, association: { roleArn: `arn:aws:iam::${ACCT}:role/other` }, addon: active }, ['ASSOCIATION_ROLE_MISMATCH']],
    ['target role is the gateway', { ...base, association: { roleArn: `arn:aws:iam::${ACCT}:role/hop`, targetRoleArn: ROLE }, addon: active }, ['ASSOCIATION_TARGET_ROLE']],
    ['target role is another', { ...base, association: { roleArn: ROLE, targetRoleArn: `arn:aws:iam::${ACCT}:role/x` }, addon: active }, ['ASSOCIATION_ROLE_MISMATCH']],
    ['session tags off', { ...base, association: { roleArn: ROLE, disableSessionTags: true }, addon: active }, ['SESSION_TAGS_DISABLED']],
    ['no add-on', { ...base, association: { roleArn: ROLE }, addon: undefined }, ['AGENT_ADDON_MISSING']],
    ['no add-on on Auto Mode', { ...base, association: { roleArn: ROLE }, addon: undefined, autoMode: true }, ['OK']],
    ['degraded add-on', { ...base, association: { roleArn: ROLE }, addon: { status: 'DEGRADED', issues: ['InsufficientNumberOfReplicas: x'] } }, ['AGENT_ADDON_DEGRADED']],
  ];
  for (const [name, input, expected] of rows) t.same(codes(assessAssociation(input)), expected, name);
  t.equal(assessAssociation({ ...base, addon: undefined, autoMode: true })[0].code, 'ASSOCIATION_MISSING');
  t.match(
    assessAssociation({ ...base, addon: active })[0].remedy?.commands?.[0],
    `aws eks create-pod-identity-association --cluster-name prod --namespace xpander --service-account ai-gateway --role-arn ${ROLE}`,
  );
  t.equal((assessAssociation({ ...base, association: { roleArn: ROLE }, addon: undefined, autoMode: true })[0].evidence as any).autoMode, true);
});

t.test('secrets.read: a readable secret shows size and shape, and the value is masked everywhere', async (t) => {
  t.teardown(clearRegisteredSecrets);
  const value = '{"user":"svc-canary-user","password":"s3cr3t-canary-pw"}';
  const { ctx, calls } = fakeCtx(
    {
      'secretsmanager:GetSecretValue': () => ({ ARN: SECRET, Name: 'gw/prod/snowflake', VersionId: 'v-123', VersionStages: ['AWSCURRENT'], SecretString: value }),
      'secretsmanager:DescribeSecret': () => ({ ARN: SECRET, KmsKeyId: KEY_ARN }),
    },
    { subject: SECRET },
  );
  const f = (await read.run(ctx)) as Finding;
  t.equal(f.code, 'OK');
  t.equal(f.evidence?.byteLength, Buffer.byteLength(value));
  t.equal(f.evidence?.jsonKeyCount, 2);
  t.equal(f.evidence?.kmsKeyId, KEY_ARN);
  t.equal(f.evidence?.versionId, 'v-123');
  const text = JSON.stringify(f);
  t.notMatch(text, /canary|user|password/, 'neither values nor key names in the finding');
  t.equal(calls[0].region, 'us-east-1');
  t.notMatch(redact(`debug: got ${value} and s3cr3t-canary-pw`), /canary/, 'registered with the redactor');
});

t.test('secrets.read: each denial is told apart', async (t) => {
  const denied = (m: string) => () => {
    throw err('secretsmanager', 'GetSecretValue', 'denied', 'AccessDeniedException', m);
  };
  // IAM denial, with the policy analysis' cause joined.
  {
    const { ctx } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': denied(
          `User: arn:aws:sts::${ACCT}:assumed-role/ai-gateway/s is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
        ),
      },
      { subject: SECRET, results: [outcome('policy.permissions', 'PERMISSION_SECRETS_MISSING', 'fail', SECRET)] },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_ACCESS_DENIED');
    t.same(f.causes, ['PERMISSION_SECRETS_MISSING']);
    t.match(JSON.stringify(f.remedy?.policy), 'secret:gw/prod/snowflake-??????');
    t.equal(f.evidence?.deniedBy, 'identity-policy');
  }
  // Resource policy deny: the remedy is the secret's policy, not the role's.
  {
    const { ctx } = fakeCtx({ 'secretsmanager:GetSecretValue': denied(`User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET} with an explicit deny in a resource-based policy`) }, { subject: SECRET });
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_ACCESS_DENIED');
    t.match(f.remedy?.commands?.[0], 'get-resource-policy');
  }
  // KMS: the default key policy delegates to IAM, so the role's policy lacks kms:Decrypt.
  {
    const { ctx, calls } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': denied('Access to KMS is not allowed'),
        'secretsmanager:DescribeSecret': () => ({ ARN: SECRET, KmsKeyId: 'alias/gw' }),
        'kms:DescribeKey': () => ({ KeyMetadata: { Arn: KEY_ARN, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }),
        'kms:GetKeyPolicy': () => ({
          Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }] }),
        }),
      },
      { subject: SECRET },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_KMS_DENIED');
    t.equal(f.evidence?.kmsKeyArn, KEY_ARN, 'names the key');
    t.equal(f.evidence?.missingGrantIn, 'role-policy');
    t.same(f.causes, ['PERMISSION_KMS_DECRYPT_MISSING']);
    t.match(f.remedy?.commands?.[0], 'put-role-policy');
    t.match(JSON.stringify(f.remedy?.policy), KEY_ARN);
    t.equal(calls.find((c) => c.call === 'kms:GetKeyPolicy')?.input.KeyId, KEY_ARN, 'GetKeyPolicy by ARN, not alias');
  }
  // KMS: the key policy admits neither the role nor IAM.
  {
    const { ctx } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': denied('Access to KMS is not allowed'),
        'secretsmanager:DescribeSecret': () => ({ ARN: SECRET, KmsKeyId: KEY_ARN }),
        'kms:DescribeKey': () => ({ KeyMetadata: { Arn: KEY_ARN, KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }),
        'kms:GetKeyPolicy': () => ({
          Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/kms-admin` }, Action: 'kms:*', Resource: '*' }] }),
        }),
      },
      { subject: SECRET },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.evidence?.missingGrantIn, 'key-policy');
    t.match(f.remedy?.commands?.[1], 'put-key-policy');
    t.match(f.summary, 'key policy does not admit the role');
  }
  // KMS, nothing readable: says both possibilities, keeps policy.permissions' cause.
  {
    const { ctx } = fakeCtx(
      { 'secretsmanager:GetSecretValue': denied('Access to KMS is not allowed') },
      { subject: SECRET, results: [outcome('policy.permissions', 'PERMISSION_KMS_DECRYPT_MISSING', 'fail')] },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_KMS_DENIED');
    t.equal(f.evidence?.missingGrantIn, 'unknown');
    t.same(f.causes, ['PERMISSION_KMS_DECRYPT_MISSING']);
  }
  // Not found, other region.
  {
    const other = `arn:aws:secretsmanager:us-west-2:${ACCT}:secret:gw/prod/snowflake-AbCdEf`;
    const { ctx, calls } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': () => {
          throw err('secretsmanager', 'GetSecretValue', 'not-found', 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        },
      },
      { subject: other },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_NOT_FOUND');
    t.equal(calls[0].region, 'us-west-2', "called in the ARN's own region");
    t.match(f.summary, 'the ARN names us-west-2');
  }
  // Scheduled for deletion.
  {
    const { ctx } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': () => {
          throw err('secretsmanager', 'GetSecretValue', 'client', 'InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
        },
        'secretsmanager:DescribeSecret': () => ({ ARN: SECRET, DeletedDate: new Date('2026-12-20T00:00:00Z') }),
      },
      { subject: SECRET },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'SECRET_SCHEDULED_FOR_DELETION');
    t.match(f.remedy?.commands?.[0], `aws secretsmanager restore-secret --secret-id ${SECRET}`);
    t.equal(f.evidence?.deletedDate, '2026-12-20T00:00:00.000Z');
  }
  // Unreachable endpoint: the egress finding becomes the cause.
  {
    const { ctx } = fakeCtx(
      {
        'secretsmanager:GetSecretValue': () => {
          throw err('secretsmanager', 'GetSecretValue', 'unreachable', 'ETIMEDOUT', 'connect ETIMEDOUT 203.0.113.20:443', undefined);
        },
      },
      { subject: SECRET, results: [outcome('network.egress', 'EGRESS_TIMEOUT', 'fail', 'secretsmanager'), outcome('network.egress', 'OK', 'pass', 'sts')] },
    );
    const f = (await read.run(ctx)) as Finding;
    t.equal(f.code, 'AWS_ENDPOINT_UNREACHABLE');
    t.same(f.causes, ['EGRESS_TIMEOUT']);
  }
  // Throttling is the tool's problem, not a finding.
  {
    const { ctx } = fakeCtx({ 'secretsmanager:GetSecretValue': () => { throw err('secretsmanager', 'GetSecretValue', 'throttled', 'ThrottlingException', 'Rate exceeded'); } }, { subject: SECRET });
    t.equal(((await read.run(ctx)) as Finding).code, 'THROTTLED');
  }
});

t.test('secrets.layout run', async (t) => {
  const bare = `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:snowflake-AbCdEf`;
  t.same(codes(await layout.run(fakeCtx({}, { subject: SECRET }).ctx)), ['OK']);
  const f = await layout.run(fakeCtx({}, { subject: bare }).ctx);
  t.same(codes(f), ['SECRET_NAMING']);
  t.same(f[0].evidence?.suggestions, ['ai-gateway/prod/snowflake', 'ai-gateway/staging/snowflake']);
});

t.test('audit.cloudtrail run', async (t) => {
  const trail = { Name: 'org', TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCT}:trail/org`, HomeRegion: 'us-east-1', IsMultiRegionTrail: true };
  const script = (status: boolean, selectors: unknown[] = [{ ReadWriteType: 'All', IncludeManagementEvents: true }]): Script => ({
    'cloudtrail:DescribeTrails': () => ({ trailList: [trail] }),
    'cloudtrail:GetTrailStatus': () => ({ IsLogging: status }),
    'cloudtrail:GetEventSelectors': () => ({ EventSelectors: selectors }),
  });
  t.same(codes(await cloudtrail.run(fakeCtx(script(true)).ctx)), ['OK']);
  const stopped = await cloudtrail.run(fakeCtx(script(false)).ctx);
  t.same(codes(stopped), ['CLOUDTRAIL_NOT_LOGGING']);
  t.equal(stopped[0].remedy?.commands?.[0], `aws cloudtrail start-logging --name ${trail.TrailARN} --region us-east-1`);
  const noMgmt = await cloudtrail.run(fakeCtx(script(true, [{ ReadWriteType: 'All', IncludeManagementEvents: false }])).ctx);
  t.same(codes(noMgmt), ['CLOUDTRAIL_NO_MANAGEMENT_EVENTS']);
  t.match(noMgmt[0].remedy?.commands?.[0], 'put-event-selectors --trail-name org');
  t.same(codes(await cloudtrail.run(fakeCtx({ 'cloudtrail:DescribeTrails': () => ({ trailList: [] }) }).ctx)), ['CLOUDTRAIL_MISSING']);
  const denied = await cloudtrail.run(fakeCtx({}).ctx);
  t.same(codes(denied), ['READ_DENIED']);
  const statusDenied = await cloudtrail.run(fakeCtx({ 'cloudtrail:DescribeTrails': () => ({ trailList: [trail] }), 'cloudtrail:GetEventSelectors': () => ({ EventSelectors: [] }) }).ctx);
  t.same(codes(statusDenied), ['OK', 'READ_DENIED'], 'unreadable status: not proven, said so');
});

t.test('services.athena run', async (t) => {
  const wg = (w: unknown): Script => ({ 'athena:GetWorkGroup': () => ({ WorkGroup: w }) });
  t.same(codes(await athena.run(fakeCtx(wg({ Name: 'primary', State: 'ENABLED', Configuration: { ResultConfiguration: { OutputLocation: 's3://x/' } } }), { subject: 'primary' }).ctx)), ['OK']);
  const notFound: Script = {
    'athena:GetWorkGroup': () => {
      throw err('athena', 'GetWorkGroup', 'client', 'InvalidRequestException', 'WorkGroup is not found.');
    },
  };
  t.same(codes(await athena.run(fakeCtx(notFound, { subject: 'analytics' }).ctx)), ['ATHENA_WORKGROUP_NOT_FOUND']);
  const denied = await athena.run(fakeCtx({}, { subject: 'analytics' }).ctx);
  t.same(codes(denied), ['ATHENA_DENIED']);
  t.match(JSON.stringify(denied[0].remedy?.policy), `arn:aws:athena:us-east-1:${ACCT}:workgroup/analytics`);
});

t.test('eks.association run', async (t) => {
  const cluster = { 'eks:DescribeCluster': () => ({ cluster: { name: 'prod' } }) };
  const addon = { 'eks:DescribeAddon': () => ({ addon: { addonName: 'eks-pod-identity-agent', status: 'ACTIVE' } }) };
  const healthy: Script = {
    ...cluster,
    ...addon,
    'eks:ListPodIdentityAssociations': () => ({ associations: [{ namespace: 'xpander', serviceAccount: 'ai-gateway', associationId: 'a-1' }] }),
    'eks:DescribePodIdentityAssociation': (i) => ({ association: { associationId: i.associationId, roleArn: ROLE } }),
  };
  t.same(codes(await eksAssociation.run(fakeCtx(healthy).ctx)), ['OK']);
  const missing: Script = { ...cluster, ...addon, 'eks:ListPodIdentityAssociations': () => ({ associations: [] }) };
  t.same(codes(await eksAssociation.run(fakeCtx(missing).ctx)), ['ASSOCIATION_MISSING']);
  const noAddon: Script = {
    ...healthy,
    'eks:DescribeAddon': () => {
      throw err('eks', 'DescribeAddon', 'not-found', 'ResourceNotFoundException', 'No addon: eks-pod-identity-agent found in cluster: prod', 404);
    },
  };
  t.same(codes(await eksAssociation.run(fakeCtx(noAddon).ctx)), ['AGENT_ADDON_MISSING']);
  const auto: Script = { ...noAddon, 'eks:DescribeCluster': () => ({ cluster: { name: 'prod', computeConfig: { enabled: true } } }) };
  const autoOut = await eksAssociation.run(fakeCtx(auto).ctx);
  t.same(codes(autoOut), ['OK']);
  t.equal(autoOut[0].evidence?.autoMode, true);
  t.same(codes(await eksAssociation.run(fakeCtx({ ...cluster, ...addon }).ctx)), ['READ_DENIED'], 'list denied: READ_DENIED only');
  t.same(codes(await eksAssociation.run(fakeCtx(healthy, { config: { namespace: undefined } }).ctx)), ['NOT_APPLICABLE']);
});
