// Table tests of the identity probes' pure classifiers, ESLint-tester style: each row is an input and the code
// it must produce. The probes only fetch evidence and call these, so these tables are the identity rules.
import t from 'tap';
import {
  analyzeEnv,
  checkFullUri,
  classifyAgentExchange,
  classifyAssumeRoleError,
  classifyCaller,
  conflictingTagKeys,
  decodeTokenClaims,
  deniedAction,
  deploymentFromPodName,
  parseCallerArn,
  parseRoleArn,
  relevantCauses,
  type AgentExchange,
} from '../src/probes/identity/classify.ts';
import type { AwsCallErrorInfo } from '../src/types.ts';

const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const AGENT = 'http://169.254.170.23/v1/credentials';
const TOKEN_FILE = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token';
const podIdentityEnv = { AWS_CONTAINER_CREDENTIALS_FULL_URI: AGENT, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: TOKEN_FILE };
const readable = { path: TOKEN_FILE, readable: true, bytes: 900 };

t.test('checkFullUri: the SDK credential-provider-http host rule', async (t) => {
  const valid = [
    AGENT,
    'http://[fd00:ec2::23]/v1/credentials',
    'http://169.254.170.2/v2/credentials/abc',
    'http://127.0.0.1:8080/creds',
    'http://127.255.0.9/creds',
    'http://localhost:9000/creds',
    'http://[::1]:80/creds',
    'https://creds.example.internal/v1',
  ];
  const invalid = [
    'http://169.254.170.24/v1/credentials',
    'http://10.0.0.5/v1/credentials',
    'http://128.0.0.1/x',
    'http://127.0.0.256/x',
    'http://127.0.0.1.nip.io/x',
    'http://agent.kube-system.svc/v1/credentials',
    'ftp://169.254.170.23/x',
    'not a url',
  ];
  for (const uri of valid) t.equal(checkFullUri(uri).accepted, true, `accepted: ${uri}`);
  for (const uri of invalid) t.equal(checkFullUri(uri).accepted, false, `rejected: ${uri}`);
});

t.test('analyzeEnv: what the webhook injected', async (t) => {
  const rows: Array<{ name: string; env: Record<string, string>; token?: typeof readable | { path: string; readable: false; error: string }; codes: string[] }> = [
    { name: 'pod identity, token readable', env: podIdentityEnv, token: readable, codes: ['OK'] },
    { name: 'nothing injected', env: { KUBERNETES_SERVICE_HOST: '10.100.0.1' }, codes: ['POD_IDENTITY_ENV_MISSING'] },
    {
      name: 'IRSA only',
      env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
      codes: ['POD_IDENTITY_ENV_MISSING'],
    },
    {
      name: 'IRSA beside pod identity',
      env: { ...podIdentityEnv, AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
      token: readable,
      codes: ['IRSA_ENV_PRESENT'],
    },
    {
      name: 'static keys beside pod identity',
      env: { ...podIdentityEnv, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
      token: readable,
      codes: ['STATIC_KEYS_PRESENT'],
    },
    {
      name: 'static keys only',
      env: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
      codes: ['STATIC_KEYS_PRESENT', 'POD_IDENTITY_ENV_MISSING'],
    },
    { name: 'half a key pair is ignored by the SDK', env: { ...podIdentityEnv, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, token: readable, codes: ['OK'] },
    {
      name: 'full URI on a host the SDK rejects',
      env: { ...podIdentityEnv, AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.3.5:2703/v1/credentials' },
      token: readable,
      codes: ['FULL_URI_UNEXPECTED'],
    },
    {
      name: 'relative URI takes precedence',
      env: { ...podIdentityEnv, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
      token: readable,
      codes: ['FULL_URI_UNEXPECTED'],
    },
    { name: 'no token file variable', env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: AGENT }, codes: ['TOKEN_FILE_MISSING'] },
    {
      name: 'token given inline instead of a file',
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: AGENT, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'abc' },
      codes: ['OK'],
    },
    {
      name: 'token file unreadable',
      env: podIdentityEnv,
      token: { path: TOKEN_FILE, readable: false, error: 'ENOENT' },
      codes: ['TOKEN_FILE_MISSING'],
    },
    {
      name: 'everything wrong at once',
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://192.0.2.1/creds',
        AWS_ROLE_ARN: ROLE,
        AWS_WEB_IDENTITY_TOKEN_FILE: '/t',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'y'.repeat(40),
      },
      codes: ['STATIC_KEYS_PRESENT', 'IRSA_ENV_PRESENT', 'FULL_URI_UNEXPECTED', 'TOKEN_FILE_MISSING'],
    },
  ];
  for (const row of rows) t.same(analyzeEnv(row.env, row.token).map((f) => f.code), row.codes, row.name);
  const irsaOnly = analyzeEnv({ AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: '/t' });
  t.equal(irsaOnly[0]?.status, 'warn', 'IRSA alone is a working source: warn, not fail');
  t.equal(analyzeEnv({})[0]?.status, undefined, 'nothing at all: the catalog status (fail)');
});

t.test('decodeTokenClaims and the service account subject', async (t) => {
  const claims = { sub: 'system:serviceaccount:xpander:ai-gateway', exp: 1_000_000 };
  const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  t.same(decodeTokenClaims(jwt, 2_000_000_000), {
    subject: 'system:serviceaccount:xpander:ai-gateway',
    expiresAt: new Date(1_000_000_000).toISOString(),
    expired: true,
  });
  t.equal(decodeTokenClaims('', 0), undefined, 'empty token');
  t.equal(decodeTokenClaims('not-a-jwt', 0), undefined, 'no dots');
  t.equal(decodeTokenClaims('a.%%%.c', 0), undefined, 'payload not JSON');
  t.equal(deploymentFromPodName('ai-gateway-6d9f7c8b9-abcde'), 'ai-gateway');
  t.equal(deploymentFromPodName('ai-gateway-6d9f7-x2b4q'), 'ai-gateway');
  t.equal(deploymentFromPodName('standalone'), undefined);
});

t.test('classifyAgentExchange: the agent raw status and body', async (t) => {
  const response = (status: number, body: string): AgentExchange => ({ kind: 'response', status, body, elapsedMs: 3 });
  const transport = (phase: 'connect' | 'response', errorCode: string): AgentExchange => ({
    kind: 'transport',
    phase,
    errorCode,
    message: errorCode,
    elapsedMs: 5,
  });
  const creds = JSON.stringify({
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 's'.repeat(40),
    Token: 't'.repeat(200),
    AccountId: '111122223333',
    Expiration: '2026-12-03T12:00:00Z',
  });
  const denied400 =
    '[a1b2c3d4-0000-4000-8000-000000000001]: (AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client\n';
  const denied500 =
    'Failed to fetch credentials: error calling AssumeRoleForPodIdentity: operation error EKS Auth: AssumeRoleForPodIdentity, https response error StatusCode: 400, RequestID: a1b2, AccessDeniedException: Unauthorized Exception! EKS does not have permissions to assume the associated role.';
  const rows: Array<[string, AgentExchange, string, string?]> = [
    ['credentials', response(200, creds), 'OK'],
    ['200 without the fields', response(200, '{"AccessKeyId":"x"}'), 'AGENT_ERROR'],
    ['200 not JSON', response(200, '<html>'), 'AGENT_ERROR'],
    ['refused', transport('connect', 'ECONNREFUSED'), 'AGENT_UNREACHABLE', 'refused'],
    ['our connect deadline', transport('connect', 'CONNECT_TIMEOUT'), 'AGENT_UNREACHABLE', 'timeout'],
    ['no route', transport('connect', 'EHOSTUNREACH'), 'AGENT_UNREACHABLE', 'unreachable'],
    ['accepted then hung', transport('response', 'RESPONSE_TIMEOUT'), 'AGENT_ERROR'],
    ['accepted then reset', transport('response', 'ECONNRESET'), 'AGENT_ERROR'],
    ['empty token', response(400, 'Service account token cannot be empty\n'), 'AGENT_TOKEN_REJECTED'],
    ['unparseable token', response(400, 'Service account token cannot be parsed: token is malformed: token contains an invalid number of segments\n'), 'AGENT_TOKEN_REJECTED'],
    ['expired token', response(400, 'Service account token failed basic claim validations: token has invalid claims: token is expired\n'), 'AGENT_TOKEN_REJECTED'],
    ['EKS Auth expired token', response(400, '[r1]: (ExpiredTokenException): Token expired, fault: client'), 'AGENT_TOKEN_REJECTED'],
    ['invalid host', response(403, 'Called agent through invalid address, please use either [169.254.170.23 fd00:ec2::23] address not 10.0.3.5\n'), 'AGENT_INVALID_HOST'],
    ['throttled', response(429, 'Too Many Requests\n'), 'AGENT_THROTTLED'],
    ['EKS Auth denied (current 400)', response(400, denied400), 'EKS_AUTH_ACCESS_DENIED'],
    ['EKS Auth denied (pre-2024 500)', response(500, denied500), 'EKS_AUTH_ACCESS_DENIED'],
    ['association gone (404)', response(404, '[r2]: (ResourceNotFoundException): Pod Identity Association not found, fault: client'), 'EKS_AUTH_NOT_FOUND'],
    ['association gone (500 body)', response(500, 'error: ResourceNotFoundException: association could not be found'), 'EKS_AUTH_NOT_FOUND'],
    ['other 500', response(500, 'Internal Server Error'), 'AGENT_ERROR'],
    ['other 400', response(400, 'Bad Request'), 'AGENT_ERROR'],
  ];
  for (const [name, exchange, code, reason] of rows) {
    const v = classifyAgentExchange(exchange);
    t.equal(v.code, code, name);
    if (reason) t.equal(v.reason, reason, `${name}: reason`);
  }
  const ok = classifyAgentExchange(response(200, creds));
  t.equal(ok.accountId, '111122223333');
  t.notMatch(JSON.stringify(ok), /ASIAEXAMPLE|sssss|ttttt/, 'the verdict never carries credentials');
  t.equal(classifyAgentExchange(response(400, denied400)).requestId, 'a1b2c3d4-0000-4000-8000-000000000001');
  t.equal(classifyAgentExchange(response(500, denied500)).requestId, 'a1b2', 'request id inside the pre-2024 message');
  t.equal(classifyAgentExchange(response(400, 'Service account token cannot be empty\n')).agentMessage, 'Service account token cannot be empty');
});

t.test('classifyCaller: is it the configured role, and if not where from', async (t) => {
  const rows: Array<[string, string, Record<string, string>, string, string]> = [
    ['pod identity session', 'arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-ai-gateway-abc', podIdentityEnv, 'OK', 'configured-role'],
    ['role with a path', 'arn:aws:sts::111122223333:assumed-role/ai-gateway/s', {}, 'OK', 'configured-role'],
    ['node role through IMDS', 'arn:aws:sts::111122223333:assumed-role/eks-node/i-0abc1234def567890', {}, 'WRONG_ROLE', 'node-role-imds'],
    ['IRSA role', 'arn:aws:sts::111122223333:assumed-role/legacy-irsa/aws-sdk-js-session-1', { ...podIdentityEnv, AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/legacy-irsa', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' }, 'WRONG_ROLE', 'irsa-role'],
    ['another association', 'arn:aws:sts::111122223333:assumed-role/other-app/eks-prod-ai-gateway-abc', podIdentityEnv, 'WRONG_ROLE', 'other-association'],
    ['IAM user keys', 'arn:aws:iam::111122223333:user/ci-bot', { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'x' }, 'WRONG_ROLE', 'static-keys'],
    ['same role name, other account', 'arn:aws:sts::444455556666:assumed-role/ai-gateway/eks-prod-x', podIdentityEnv, 'WRONG_ROLE', 'other-association'],
    ['something else', 'arn:aws:sts::111122223333:assumed-role/admin/alice', {}, 'WRONG_ROLE', 'other'],
  ];
  for (const [name, arn, env, code, source] of rows) {
    const role = name === 'role with a path' ? 'arn:aws:iam::111122223333:role/gateways/ai-gateway' : ROLE;
    const v = classifyCaller(arn, role, env);
    t.equal(v.code, code, name);
    t.equal(v.source, source, `${name}: source`);
  }
  t.same(parseCallerArn('arn:aws:sts::111122223333:assumed-role/r/s/with/slashes'), {
    partition: 'aws',
    account: '111122223333',
    kind: 'assumed-role',
    name: 'r',
    sessionName: 's/with/slashes',
  });
  t.same(parseRoleArn('arn:aws:iam::111122223333:role/a/b/name'), { partition: 'aws', account: '111122223333', name: 'name', path: '/a/b/' });
  t.equal(parseRoleArn('arn:aws:iam::111122223333:user/x'), undefined);
});

t.test('classifyAssumeRoleError: STS verdicts on the chained AssumeRole', async (t) => {
  const caller = 'arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-ai-gateway-6d9f7-abcde-0a1b';
  const err = (awsCode: string, message: string, kind: AwsCallErrorInfo['kind'], httpStatus: number) => ({ awsCode, message, kind, httpStatus });
  const rows: Array<[string, ReturnType<typeof err>, 'self' | 'tags', string | undefined]> = [
    ['denied AssumeRole', err('AccessDenied', `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`, 'denied', 403), 'self', 'SELF_ASSUME_DENIED'],
    ['denied TagSession (transitive tags)', err('AccessDenied', `User: ${caller} is not authorized to perform: sts:TagSession on resource: ${ROLE}`, 'denied', 403), 'self', 'SELF_ASSUME_TAG_SESSION_DENIED'],
    ['denied with tags', err('AccessDenied', `User: ${caller} is not authorized to perform: sts:TagSession on resource: ${ROLE}`, 'denied', 403), 'tags', 'TAG_SESSION_DENIED'],
    ['denied AssumeRole with tags', err('AccessDenied', `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`, 'denied', 403), 'tags', 'TAG_SESSION_DENIED'],
    ['chaining limit', err('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 'client', 400), 'self', 'CHAINING_DURATION_EXCEEDED'],
    ['chaining limit with tags', err('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 'client', 400), 'tags', 'CHAINING_DURATION_EXCEEDED'],
    ['packed size', err('PackedPolicyTooLarge', 'Packed size of session tags consumes 112% of allotted space.', 'client', 400), 'tags', 'PACKED_POLICY_TOO_LARGE'],
    ['packed size (exception name)', err('PackedPolicyTooLargeException', 'Packed size of session tags consumes 112% of allotted space.', 'client', 400), 'self', 'PACKED_POLICY_TOO_LARGE'],
    ['transitive key conflict', err('InvalidParameterValue', 'The tag key kubernetes-namespace is a transitive tag key of the calling session and cannot be set again.', 'client', 400), 'tags', 'TAG_KEY_CONFLICT'],
    ['max session duration', err('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'client', 400), 'self', 'ASSUME_ROLE_REJECTED'],
    ['region disabled', err('RegionDisabledException', 'STS is not activated in this region for account:111122223333.', 'client', 403), 'self', 'ASSUME_ROLE_REJECTED'],
    ['throttled: generic', err('Throttling', 'Rate exceeded', 'throttled', 400), 'self', undefined],
    ['5xx: generic', err('InternalFailure', 'internal', 'server', 500), 'tags', undefined],
    ['unreachable: generic', err('ECONNREFUSED', 'connect ECONNREFUSED', 'unreachable', 0), 'self', undefined],
  ];
  for (const [name, info, mode, code] of rows) t.equal(classifyAssumeRoleError(info, mode), code, name);
  t.equal(deniedAction(`User: ${caller} is not authorized to perform: sts:TagSession on resource: ${ROLE}`), 'sts:TagSession');
  t.equal(deniedAction('nothing here'), undefined);
});

t.test('conflictingTagKeys and relevantCauses', async (t) => {
  t.same(conflictingTagKeys({ 'gateway-doctor': 'probe' }), []);
  t.same(conflictingTagKeys({ 'kubernetes-namespace': 'x', Team: 'a', 'EKS-Cluster-Name': 'y' }), ['kubernetes-namespace', 'EKS-Cluster-Name']);
  const all = [
    'TRUST_SELF_HAS_EXTERNAL_ID',
    'TRUST_SELF_NO_TAG_SESSION',
    'TRUST_PLATFORM_NO_EXTERNAL_ID',
    'TRUST_POD_IDENTITY_NO_TAG_SESSION',
    'PERMISSION_TAG_SESSION_MISSING',
    'PERMISSION_SECRETS_MISSING',
    'PERMISSION_BOUNDARY_BLOCKS',
    'READ_DENIED',
  ];
  t.same(relevantCauses('self-assume', all), ['TRUST_SELF_HAS_EXTERNAL_ID', 'PERMISSION_BOUNDARY_BLOCKS']);
  t.same(relevantCauses('tag-session', all), ['TRUST_SELF_NO_TAG_SESSION', 'PERMISSION_TAG_SESSION_MISSING', 'PERMISSION_BOUNDARY_BLOCKS']);
  t.same(relevantCauses('eks-auth', all), ['TRUST_POD_IDENTITY_NO_TAG_SESSION']);
});

// ---------------------------------------------------------------------------------------------------------------
// The probes' wiring, with a fake context: the agent call over loopback HTTP (never another address), and the
// self-assume's join of STS's verdict with the policy analysis.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOnce, run as runAgent } from '../src/probes/identity/agent.ts';
import { run as runSelfAssume } from '../src/probes/identity/self-assume.ts';
import { run as runTagSession } from '../src/probes/identity/tag-session.ts';
import { run as runCaller } from '../src/probes/identity/caller.ts';
import { AwsCallError } from '../src/aws/errors.ts';
import { MASK, redact } from '../src/redact.ts';
import type { AwsAccess, Config, Finding, Outcome, ProbeContext } from '../src/types.ts';

const config: Config = {
  region: 'us-east-1',
  roleArn: ROLE,
  platformAccountId: '999988887777',
  organizationId: 'org-7f3a9c',
  clusterName: 'prod',
  namespace: 'xpander',
  serviceAccount: 'ai-gateway',
  secrets: [],
  targets: [],
  external: ['sts', 'secretsmanager'],
  athenaWorkGroups: [],
  sessionDurationSeconds: 3600,
  sessionTags: { 'gateway-doctor': 'probe' },
  options: { probeTimeoutMs: 5000, connectTimeoutMs: 3000, runTimeoutMs: 60000, concurrency: 16 },
};

type FakeAws = { call?: (service: string, operation: string, input: object) => Promise<unknown>; credentials?: AwsAccess['credentials'] };

function fakeCtx(over: { env?: Record<string, string>; aws?: FakeAws; outcomes?: Outcome[]; config?: Partial<Config> }): ProbeContext {
  const outcomes = over.outcomes ?? [];
  return {
    config: { ...config, ...over.config },
    where: 'pod',
    env: over.env ?? {},
    signal: new AbortController().signal,
    results: {
      get: (id) => outcomes.filter((o) => o.probe === id),
      failureCodes: (ids) =>
        outcomes.filter((o) => ids.includes(o.probe) && o.status !== 'pass').flatMap((o) => [o.code, ...(o.causes ?? [])]),
    },
    aws: {
      call: async () => {
        throw new Error('unexpected AWS call');
      },
      credentials: async () => ({ accessKeyId: 'ASIAFAKE', secretAccessKey: 'x'.repeat(40) }),
      ...over.aws,
    } as unknown as AwsAccess,
    record: () => undefined,
    log: () => undefined,
  };
}

async function withServer(handler: http.RequestListener, fn: (url: string) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/credentials`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

t.test('getOnce against loopback: status and body, hang, reset, refused', async (t) => {
  await withServer(
    (req, res) => {
      if (req.headers.authorization === 'tok-hang') return; // accept, never answer
      if (req.headers.authorization === 'tok-reset') return void req.socket.destroy();
      res.writeHead(400).end('Service account token cannot be empty\n');
    },
    async (url) => {
      const answered = await getOnce(new URL(url), 'tok', 1000, 2000);
      t.same([answered.kind, answered.kind === 'response' && answered.status], ['response', 400]);
      t.equal(classifyAgentExchange(answered).code, 'AGENT_TOKEN_REJECTED');
      const hung = await getOnce(new URL(url), 'tok-hang', 1000, 300);
      t.same(hung.kind === 'transport' && [hung.phase, hung.errorCode], ['response', 'RESPONSE_TIMEOUT']);
      t.equal(classifyAgentExchange(hung).code, 'AGENT_ERROR', 'accepted then hung is undecided');
      const reset = await getOnce(new URL(url), 'tok-reset', 1000, 2000);
      t.equal(reset.kind === 'transport' && reset.phase, 'response');
      t.equal(classifyAgentExchange(reset).code, 'AGENT_ERROR');
    },
  );
  // A port that was just closed refuses.
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const refused = await getOnce(new URL(`http://127.0.0.1:${port}/v1/credentials`), 'tok', 1000, 2000);
  t.same(refused.kind === 'transport' && [refused.phase, refused.errorCode], ['connect', 'ECONNREFUSED']);
  t.same(classifyAgentExchange(refused), { code: 'AGENT_UNREACHABLE', reason: 'refused' });
});

t.test('identity.agent: credentials are registered for redaction and never in the finding', async (t) => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const token = `IQoJb3JpZ2luX2VjE${'A'.repeat(120)}`;
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ AccessKeyId: 'ASIAQXG5EXAMPLE00001', SecretAccessKey: secret, Token: token, AccountId: '111122223333', Expiration: '2026-12-03T12:00:00Z' }),
      );
    },
    async (url) => {
      const ctx = fakeCtx({
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'service-account-token-value' },
        aws: { call: async () => ({ Arn: 'arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-x' }) },
      });
      const finding = (await runAgent(ctx)) as Finding;
      t.equal(finding.code, 'OK');
      t.equal(finding.evidence?.role, 'ai-gateway');
      t.equal(finding.evidence?.account, '111122223333');
      const text = JSON.stringify(finding);
      t.notOk(text.includes(secret) || text.includes(token) || text.includes('service-account-token-value'), 'no credential in the finding');
      t.equal(redact(`key ${secret} token ${token}`), `key ${MASK} token ${MASK}`, 'both registered for redaction');
    },
  );
  const na = (await runAgent(fakeCtx({ env: {} }))) as Finding;
  t.equal(na.code, 'NOT_APPLICABLE', 'no Pod Identity variables');
  const rejected = (await runAgent(fakeCtx({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.3.5:2703/creds' } }))) as Finding;
  t.equal(rejected.code, 'NOT_APPLICABLE', 'a URI the SDK refuses is not called');
});

const trustOutcome = (code: string): Outcome => ({
  probe: 'policy.trust',
  status: 'fail',
  code,
  summary: `${code} found`,
  evidence: {},
  remedy: { text: `corrected statement for ${code}`, policy: { Sid: 'SelfAssume' } },
  durationMs: 1,
});
const callerOutcome: Outcome = {
  probe: 'identity.caller',
  status: 'pass',
  code: 'OK',
  summary: 'ok',
  evidence: { arn: 'arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-ai-gateway-6d9f7-abcde-1' },
  durationMs: 1,
};
const stsDenied = (action: string) =>
  new AwsCallError({
    service: 'sts',
    operation: 'AssumeRole',
    kind: 'denied',
    awsCode: 'AccessDenied',
    httpStatus: 403,
    requestId: 'req-1',
    message: `User: arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-ai-gateway-6d9f7-abcde-1 is not authorized to perform: ${action} on resource: ${ROLE}`,
  });

t.test('identity.self-assume: STS quoted, causes and remedy from the policy analysis', async (t) => {
  let input: Record<string, unknown> = {};
  const ctx = fakeCtx({
    outcomes: [callerOutcome, trustOutcome('TRUST_SELF_HAS_EXTERNAL_ID'), trustOutcome('TRUST_PLATFORM_NO_EXTERNAL_ID')],
    aws: {
      call: async (_s, _op, i) => {
        input = i as Record<string, unknown>;
        throw stsDenied('sts:AssumeRole');
      },
    },
  });
  const f = (await runSelfAssume(ctx)) as Finding;
  t.equal(f.code, 'SELF_ASSUME_DENIED');
  t.same(f.causes, ['TRUST_SELF_HAS_EXTERNAL_ID'], 'only the causes that explain this denial');
  t.match(f.summary, /AccessDenied: User: arn:aws:sts::111122223333:assumed-role\/ai-gateway\/.* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role\/ai-gateway/);
  t.match(f.remedy?.text, /corrected statement for TRUST_SELF_HAS_EXTERNAL_ID/);
  t.same(Object.keys(input).sort(), ['DurationSeconds', 'RoleArn', 'RoleSessionName'], 'no ExternalId, no Tags');
  t.equal(input.DurationSeconds, 3600);

  const noAnalysis = (await runSelfAssume(
    fakeCtx({ outcomes: [callerOutcome], aws: { call: async () => { throw stsDenied('sts:TagSession'); } } }),
  )) as Finding;
  t.equal(noAnalysis.code, 'SELF_ASSUME_TAG_SESSION_DENIED');
  t.notOk(noAnalysis.causes, 'no causes without the analysis');
  t.same((noAnalysis.remedy?.policy as { Principal: unknown }).Principal, { AWS: ROLE }, 'the self statement with the real role ARN');

  // the role's documents allow it (both policy probes passed): the denial is an SCP/RCP, not the trust (v-scp-denies-tag-session)
  const clean = (probe: string): Outcome => ({ probe, status: 'pass', code: 'OK', summary: 'ok', evidence: {}, durationMs: 1 });
  const outside = (await runSelfAssume(
    fakeCtx({ outcomes: [callerOutcome, clean('policy.trust'), clean('policy.permissions')], aws: { call: async () => { throw stsDenied('sts:TagSession'); } } }),
  )) as Finding;
  t.equal(outside.code, 'SELF_ASSUME_TAG_SESSION_DENIED');
  t.equal(outside.evidence?.roleDocumentsAllow, true);
  t.match(outside.remedy?.text, /outside the role.*service control policy/);
  t.notMatch(outside.remedy?.text, /self statement must allow/, 'not the trust-policy advice the documents already follow');
  t.ok(outside.remedy?.commands?.some((c) => c.includes('list-policies-for-target --target-id 111122223333 --filter SERVICE_CONTROL_POLICY')));
});

t.test('identity.tag-session: tags sent, conflicts caught before and from STS', async (t) => {
  let input: Record<string, unknown> = {};
  const ok = (await runTagSession(
    fakeCtx({
      aws: {
        call: async (_s, _op, i) => {
          input = i as Record<string, unknown>;
          return { AssumedRoleUser: { Arn: 'arn:aws:sts::111122223333:assumed-role/ai-gateway/gateway-doctor-tag-session' }, Credentials: { SecretAccessKey: 'z'.repeat(40) } };
        },
      },
    }),
  )) as Finding;
  t.equal(ok.code, 'OK');
  t.same(input.Tags, [{ Key: 'gateway-doctor', Value: 'probe' }]);

  const conflictFromSts = (await runTagSession(
    fakeCtx({
      config: { sessionTags: { 'kubernetes-namespace': 'xpander' } },
      aws: {
        call: async () => {
          throw new AwsCallError({ service: 'sts', operation: 'AssumeRole', kind: 'client', awsCode: 'InvalidParameterValue', httpStatus: 400, message: "Session tags cannot override the calling session's transitive session tags: kubernetes-namespace" });
        },
      },
    }),
  )) as Finding;
  t.equal(conflictFromSts.code, 'TAG_KEY_CONFLICT');

  const both = (await runTagSession(
    fakeCtx({ config: { sessionTags: { 'kubernetes-namespace': 'xpander' } }, aws: { call: async () => { throw stsDenied('sts:TagSession'); } } }),
  )) as Finding[];
  t.same(both.map((f) => f.code), ['TAG_SESSION_DENIED', 'TAG_KEY_CONFLICT'], 'a denial first, and the conflict established from the config');
  const none = (await runTagSession(fakeCtx({ config: { sessionTags: {} } }))) as Finding;
  t.equal(none.code, 'NOT_APPLICABLE');
});

t.test('identity.caller: configured role, wrong role, no credentials', async (t) => {
  const as = (arn: string) => fakeCtx({ aws: { call: async () => ({ Arn: arn, Account: '111122223333' }) } });
  t.equal(((await runCaller(as('arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-p'))) as Finding).code, 'OK');
  const node = (await runCaller(as('arn:aws:sts::111122223333:assumed-role/eks-node/i-0abc1234def567890'))) as Finding;
  t.equal(node.code, 'WRONG_ROLE');
  t.match(node.remedy?.commands?.join('\n'), /modify-instance-metadata-options --instance-id i-0abc1234def567890/);
  const unavailable = (await runCaller(
    fakeCtx({
      outcomes: [{ probe: 'identity.agent', status: 'fail', code: 'AGENT_UNREACHABLE', summary: 'refused', evidence: {}, durationMs: 1 }],
      aws: {
        credentials: async () => {
          throw new AwsCallError({ service: 'sts', operation: 'credentials', kind: 'credentials', awsCode: 'CredentialsProviderError', message: '169.254.170.23 is not a valid container metadata service hostname' });
        },
      },
    }),
  )) as Finding;
  t.equal(unavailable.code, 'CREDENTIALS_UNAVAILABLE');
  t.same(unavailable.causes, ['AGENT_UNREACHABLE']);
  t.match(unavailable.summary, /169\.254\.170\.23 is not a valid container metadata service hostname/, "the SDK's own words");
  // IRSA with the cluster's OIDC provider deleted (v-irsa-oidc-provider-deleted): the remedy names the provider
  const noOidc = (await runCaller(
    fakeCtx({
      aws: {
        credentials: async () => {
          throw new AwsCallError({ service: 'sts', operation: 'credentials', kind: 'credentials', awsCode: 'InvalidIdentityToken', message: 'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/5C3E9F1A' });
        },
      },
    }),
  )) as Finding;
  t.equal(noOidc.code, 'CREDENTIALS_UNAVAILABLE');
  t.equal(noOidc.evidence?.oidcIssuer, 'https://oidc.eks.us-east-1.amazonaws.com/id/5C3E9F1A');
  t.match(noOidc.remedy?.text, /no IAM OIDC identity provider/);
  t.ok(noOidc.remedy?.commands?.some((c) => c.startsWith('eksctl utils associate-iam-oidc-provider --cluster prod')));
  const expired = (await runCaller(
    fakeCtx({
      aws: {
        call: async () => {
          throw new AwsCallError({ service: 'sts', operation: 'GetCallerIdentity', kind: 'client', awsCode: 'ExpiredToken', httpStatus: 400, message: 'The security token included in the request is expired' });
        },
      },
    }),
  )) as Finding;
  t.equal(expired.code, 'CALLER_IDENTITY_FAILED', 'credentials, but STS refuses them');
  t.match(expired.summary, /ExpiredToken: The security token included in the request is expired/);
  const throttled = (await runCaller(
    fakeCtx({
      aws: {
        call: async () => {
          throw new AwsCallError({ service: 'sts', operation: 'GetCallerIdentity', kind: 'throttled', awsCode: 'Throttling', httpStatus: 400, message: 'Rate exceeded' });
        },
      },
    }),
  )) as Finding;
  t.equal(throttled.code, 'THROTTLED', 'throttling is the generic undecided code');
  const laptop = { ...as('arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/alice@example.com'), where: 'laptop' as const };
  const engineer = (await runCaller(laptop)) as Finding;
  t.equal(engineer.code, 'OK', 'on a laptop any identity passes');
  t.match(engineer.summary, /alice@example\.com/, 'and shows who the engineer is');
});
