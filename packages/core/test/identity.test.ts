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
