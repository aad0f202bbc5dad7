// STS's AssumeRole decision table, through the real STS client against the loopback stand-in: trust allows or
// denies, TagSession (request tags and the six inherited Pod Identity tags), identity policy needed or not,
// boundary, SCP, explicit deny, chaining duration, MaxSessionDuration, inherited-key conflict, packed size, and
// AssumeRoleWithWebIdentity. Each row names the CASES.md case it reproduces where there is one.
import t from 'tap';
import { STSClient, AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { startLoopbackStandin, httpsAgentFor, podToken, endpointFor } from './testkit.ts';
import {
  makeWorld, podIdentityStatement, platformStatement, selfStatement, selfPermission, ACCOUNT, ROLE_ARN,
} from './fixtures/world.ts';

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const SESSION_ARN = /^arn:aws:sts::111122223333:assumed-role\/ai-gateway\/eks-prod-ai-gateway-6d9f7-abcde-[0-9a-f-]+$/;

function sts(s: { endpoint: string; tls: any; ports: { https: number } }, credentials?: Creds) {
  return new STSClient({ region: 'us-east-1', endpoint: endpointFor(s, 'sts.us-east-1.amazonaws.com'), maxAttempts: 1, requestHandler: { httpsAgent: httpsAgentFor(s.tls) } as any, ...(credentials ? { credentials } : {}) });
}

async function podCreds(agentUrl: string): Promise<Creds & { arn?: string }> {
  const r = await fetch(agentUrl + '/v1/credentials', { headers: { Authorization: podToken({ namespace: 'xpander', serviceAccount: 'ai-gateway', podName: 'ai-gateway-6d9f7-abcde' }) } });
  const j = await r.json() as any;
  if (r.status !== 200) throw new Error(`agent ${r.status}`);
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
}

interface Row {
  name: string;
  world?: Parameters<typeof makeWorld>[0];
  /** 'pod': the Pod Identity session (a chained call); 'user': an IAM user's static keys (not chained) */
  as?: 'pod' | 'user';
  input?: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>;
  ok?: boolean;
  /** the error code on the wire (and in the log) */
  code?: string;
  /** the SDK's exception name when STS's model names it differently from the wire code */
  sdkName?: string;
  status?: number;
  message?: RegExp | string;
}

const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/deployer`;
const userTrust = { Sid: 'User', Effect: 'Allow', Principal: { AWS: USER_ARN }, Action: ['sts:AssumeRole', 'sts:TagSession'] };
const denyMsg = (action: string) => new RegExp(`^User: ${SESSION_ARN.source.slice(1, -1)} is not authorized to perform: ${action} on resource: arn:aws:iam::111122223333:role/ai-gateway$`);

const rows: Row[] = [
  { name: 'healthy self-assume with the gateway tag', ok: true },
  { name: 'C13 no self statement', world: { trust: [podIdentityStatement, platformStatement] }, code: 'AccessDenied', status: 403, message: denyMsg('sts:AssumeRole') },
  {
    name: 'C14 self merged into the platform statement (needs an ExternalId it never sends)',
    world: { trust: [podIdentityStatement, { ...platformStatement, Principal: { AWS: ['arn:aws:iam::999988887777:root', ROLE_ARN] }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] },
    code: 'AccessDenied', message: denyMsg('sts:AssumeRole'),
  },
  { name: 'C14 succeeds once ExternalId is sent (the statement, not the role, was the problem)', world: { trust: [podIdentityStatement, { ...platformStatement, Principal: { AWS: ['arn:aws:iam::999988887777:root', ROLE_ARN] } }, { ...selfStatement, Action: 'sts:TagSession' }] }, input: { ExternalId: 'org-7f3a9c' }, ok: true },
  { name: 'C15 self statement without TagSession: the inherited tags need it', world: { trust: [podIdentityStatement, { ...selfStatement, Action: 'sts:AssumeRole' }] }, input: { Tags: [] }, code: 'AccessDenied', message: denyMsg('sts:TagSession') },
  {
    name: 'C16 trust via the account root, permission without TagSession',
    world: { trust: [podIdentityStatement, { ...selfStatement, Principal: { AWS: ROOT } }], permissions: [{ ...selfPermission, Action: 'sts:AssumeRole' }] },
    code: 'AccessDenied', message: denyMsg('sts:TagSession'),
  },
  { name: 'trust via the account root, permission with both actions', world: { trust: [podIdentityStatement, { ...selfStatement, Principal: { AWS: ROOT } }] }, ok: true },
  { name: 'trust via the account root, no permission: the identity policy decides', world: { trust: [podIdentityStatement, { ...selfStatement, Principal: { AWS: ROOT } }], permissions: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }, code: 'AccessDenied', message: denyMsg('sts:AssumeRole') },
  { name: 'trust names the role ARN: no identity policy needed', world: { permissions: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }, ok: true },
  { name: 'C25 boundary without STS actions caps the session', world: { boundary: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }, code: 'AccessDenied', message: denyMsg('sts:AssumeRole') },
  { name: 'boundary that allows STS', world: { boundary: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }] } }, ok: true },
  { name: 'SCP denying sts:AssumeRole', world: { scps: [{ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] }] }, code: 'AccessDenied' },
  { name: 'SCP denying something else (FullAWSAccess stays attached)', world: { scps: [{ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: '*' }] }] }, ok: true },
  { name: 'explicit deny in the identity policy beats a trust that names the role', world: { permissions: [selfPermission, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] }, code: 'AccessDenied' },
  { name: 'C17 DurationSeconds above an hour on a chained call', input: { DurationSeconds: 7200 }, world: { maxSessionDuration: 43200 }, code: 'ValidationError', status: 400, message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.' },
  { name: 'DurationSeconds below 900', input: { DurationSeconds: 600 }, code: 'ValidationError', message: "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900" },
  { name: 'C19 a tag key Pod Identity already set', input: { Tags: [{ Key: 'kubernetes-namespace', Value: 'x' }] }, code: 'InvalidParameterValue', status: 400, message: /kubernetes-namespace/ },
  { name: 'C19 keys compare case-insensitively', input: { Tags: [{ Key: 'Kubernetes-Namespace', Value: 'x' }] }, code: 'InvalidParameterValue' },
  {
    name: 'C18 packed size of session tags',
    input: { Tags: Array.from({ length: 8 }, (_, i) => ({ Key: `team-attribute-${i}`.padEnd(60, 'x'), Value: 'v'.repeat(200) })) },
    code: 'PackedPolicyTooLarge', sdkName: 'PackedPolicyTooLargeException', status: 400, message: /^Packed size of session tags consumes (1[0-9]{2})% of allotted space\.$/,
  },
  { name: 'role not in the account', input: { RoleArn: `arn:aws:iam::${ACCOUNT}:role/missing` }, code: 'AccessDenied', message: /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/missing$/ },
  { name: 'not chained: above MaxSessionDuration', as: 'user', world: { trust: [userTrust] }, input: { DurationSeconds: 7200, Tags: [] }, code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' },
  { name: 'not chained: 2 hours within MaxSessionDuration', as: 'user', world: { trust: [userTrust], maxSessionDuration: 7200 }, input: { DurationSeconds: 7200, Tags: [] }, ok: true },
  { name: 'not chained, no tags: TagSession not needed', as: 'user', world: { trust: [{ ...userTrust, Action: 'sts:AssumeRole' }] }, input: { Tags: [] }, ok: true },
  { name: 'not chained, with tags: TagSession needed', as: 'user', world: { trust: [{ ...userTrust, Action: 'sts:AssumeRole' }] }, code: 'AccessDenied', message: `User: ${USER_ARN} is not authorized to perform: sts:TagSession on resource: ${ROLE_ARN}` },
];

t.test('AssumeRole decision table', async (t) => {
  for (const row of rows) {
    const s = await startLoopbackStandin(makeWorld(row.world));
    try {
      const creds: Creds = row.as === 'user' ? s.issueStaticKeys(USER_ARN) : await podCreds(s.agentUrl);
      const input = { RoleArn: ROLE_ARN, RoleSessionName: 'gateway-doctor', DurationSeconds: 3600, Tags: [{ Key: 'gateway-doctor', Value: 'probe' }], ...(row.input ?? {}) };
      const out = await sts(s, creds).send(new AssumeRoleCommand(input as any)).then((r) => ({ r }), (e: any) => ({ e }));
      const log = s.requests.filter((r) => r.operation === 'AssumeRole').at(-1);
      if (row.ok) {
        if ('e' in out) { t.fail(`${row.name}: ${out.e.name}: ${out.e.message}`); continue; }
        t.match(out.r.AssumedRoleUser?.Arn, new RegExp(`^arn:aws:sts::111122223333:assumed-role/${(input.RoleArn as string).split('/').pop()}/gateway-doctor$`), `${row.name}: session ARN`);
        t.match(out.r.Credentials?.AccessKeyId, /^ASIA[A-Z2-7]{16}$/, `${row.name}: ASIA key`);
        t.equal(out.r.Credentials?.SecretAccessKey?.length, 40, `${row.name}: 40-char secret`);
        t.ok((out.r.Credentials?.SessionToken?.length ?? 0) > 300, `${row.name}: long token`);
        t.equal(log?.decision, 'allow', `${row.name}: logged allow`);
        if (row.as !== 'user') t.type(out.r.PackedPolicySize, 'number', `${row.name}: PackedPolicySize`);
      } else {
        if ('r' in out) { t.fail(`${row.name}: expected ${row.code}, got success`); continue; }
        t.equal(out.e.name, row.sdkName ?? row.code, `${row.name}: code`);
        if (row.status) t.equal(out.e.$metadata?.httpStatusCode, row.status, `${row.name}: status`);
        if (row.message instanceof RegExp) t.match(out.e.message, row.message, `${row.name}: message`);
        else if (row.message) t.equal(out.e.message, row.message, `${row.name}: message`);
        t.equal(log?.decision, row.code === 'AccessDenied' ? 'deny' : 'error', `${row.name}: logged`);
        t.equal(log?.errorCode, row.code, `${row.name}: logged code`);
      }
    } finally {
      await s.close();
    }
  }
});

t.test('a chained session keeps the six tags and may chain again only within the rules', async (t) => {
  const s = await startLoopbackStandin(makeWorld());
  t.teardown(() => s.close());
  const pod = await podCreds(s.agentUrl);
  const first = await sts(s, pod).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'hop1', Tags: [{ Key: 'gateway-doctor', Value: 'probe' }] }));
  const hop1 = { accessKeyId: first.Credentials!.AccessKeyId!, secretAccessKey: first.Credentials!.SecretAccessKey!, sessionToken: first.Credentials!.SessionToken! };
  const principal = (s as any).router.deps.store.get(hop1.accessKeyId).principal;
  t.equal(principal.tags['kubernetes-namespace'], 'xpander', 'inherited transitive tag');
  t.equal(principal.tags['gateway-doctor'], 'probe', 'request tag');
  t.notOk(principal.transitiveTagKeys.includes('gateway-doctor'), 'a tag not named transitive is not passed on');
  const conflict = await sts(s, hop1).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'hop2', Tags: [{ Key: 'eks-cluster-name', Value: 'x' }] })).catch((e: any) => e);
  t.equal(conflict.name, 'InvalidParameterValue', 'still inherited at the second hop');
  const again = await sts(s, hop1).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'hop2', Tags: [{ Key: 'gateway-doctor', Value: 'probe' }] }));
  t.ok(again.AssumedRoleUser?.Arn?.endsWith('/hop2'));

  // A session policy caps what the session may do afterwards (even where the trust names the role ARN).
  const capped = await sts(s, pod).send(new AssumeRoleCommand({
    RoleArn: ROLE_ARN, RoleSessionName: 'capped', Tags: [{ Key: 'gateway-doctor', Value: 'probe' }],
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }),
  }));
  const cappedCreds = { accessKeyId: capped.Credentials!.AccessKeyId!, secretAccessKey: capped.Credentials!.SecretAccessKey!, sessionToken: capped.Credentials!.SessionToken! };
  const blocked = await sts(s, cappedCreds).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'hop3' })).catch((e: any) => e);
  t.equal(blocked.name, 'AccessDenied', 'the session policy does not allow sts:AssumeRole');
  const malformed = await sts(s, pod).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'bad', Policy: '{not json' })).catch((e: any) => e);
  t.equal(malformed.name, 'MalformedPolicyDocumentException', 'wire code MalformedPolicyDocument');
});

t.test('AssumeRoleWithWebIdentity (IRSA)', async (t) => {
  const provider = 'oidc.eks.us-east-1.amazonaws.com/id/STANDIN';
  const irsaRole = `arn:aws:iam::${ACCOUNT}:role/irsa`;
  const role = (sub: string) => ({
    RoleName: 'irsa', Arn: irsaRole, RoleId: 'AROAEXAMPLEIRSAROLE1', RolePolicyList: [], AttachedManagedPolicies: [],
    AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${provider}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${provider}:sub`]: sub } } }] },
  });
  const token = podToken({ namespace: 'xpander', serviceAccount: 'ai-gateway' });
  const call = async (world: any) => {
    const s = await startLoopbackStandin(world);
    try {
      return await sts(s, { accessKeyId: 'unused', secretAccessKey: 'unused' })
        .send(new AssumeRoleWithWebIdentityCommand({ RoleArn: irsaRole, RoleSessionName: 'botocore-session-1', WebIdentityToken: token }))
        .then((r) => ({ r }), (e: any) => ({ e }));
    } finally { await s.close(); }
  };
  const noProvider = await call(makeWorld({ pod: { injected: 'irsa', irsa: { roleArn: irsaRole, oidcProviderExists: false } }, extraRoles: [role('system:serviceaccount:xpander:ai-gateway')] }));
  t.equal('e' in noProvider && noProvider.e.name, 'InvalidIdentityTokenException', 'wire code InvalidIdentityToken, modelled as InvalidIdentityTokenException');
  t.equal('e' in noProvider && noProvider.e.message, 'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/STANDIN');
  const ok = await call(makeWorld({ pod: { injected: 'irsa', irsa: { roleArn: irsaRole, oidcProviderExists: true } }, extraRoles: [role('system:serviceaccount:xpander:ai-gateway')] }));
  t.equal('r' in ok && ok.r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/irsa/botocore-session-1`);
  t.equal('r' in ok && ok.r.SubjectFromWebIdentityToken, 'system:serviceaccount:xpander:ai-gateway');
  const wrongSub = await call(makeWorld({ pod: { injected: 'irsa', irsa: { roleArn: irsaRole, oidcProviderExists: true } }, extraRoles: [role('system:serviceaccount:other:sa')] }));
  t.equal('e' in wrongSub && wrongSub.e.name, 'AccessDenied');
  t.equal('e' in wrongSub && wrongSub.e.message, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
});
