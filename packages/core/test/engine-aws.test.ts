// The AWS access layer against a loopback server: endpoint overrides honoured, the read-only guard refusing
// before a byte is sent, error classification for each fault (throttling, 5xx, garbage, hang, reset, refused),
// bounded retries, credentials registered for redaction. The whole file re-runs itself inside a fresh network
// namespace (`unshare -n`, loopback only), so that even a broken override could not reach anything outside.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (!process.env.GD_ENGINE_NETNS) {
  const self = fileURLToPath(import.meta.url);
  const probe = spawnSync('unshare', ['-n', 'true']);
  if (probe.status !== 0) {
    // No namespaces here: say so (TAP) instead of risking traffic outside loopback.
    process.stdout.write('TAP version 14\n1..0 # SKIP unshare -n is not available (run as root)\n');
    process.exit(0);
  }
  const result = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.execArgv, self], {
    stdio: 'inherit',
    env: { ...process.env, GD_ENGINE_NETNS: '1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  process.exit(result.status ?? 1);
}

const { default: t } = await import('tap');
const http = await import('node:http');
const net = await import('node:net');
const fc = (await import('fast-check')).default;
const { createAwsAccess, boundedRetryStrategy } = await import('../src/aws/access.ts');
const { addReadOnlyGuard, GUARD_MIDDLEWARE_NAME } = await import('../src/aws/guard.ts');
const { classifyAwsError, isAwsCallError } = await import('../src/aws/errors.ts');
const { ALLOWED_OPERATIONS } = await import('../src/aws/allowlist.ts');
const { parseConfig } = await import('../src/config.ts');
const { redact, MASK } = await import('../src/redact.ts');
type AwsCallErrorT = import('../src/aws/errors.ts').AwsCallError;

type Mode = 'ok' | 'throttle' | 'server-error' | 'garbage' | 'hang' | 'reset' | 'denied';
let mode: Mode = 'ok';
let hits: { path: string; body: string; target?: string }[] = [];
const sockets = new Set<import('node:net').Socket>();

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzASSUMED1';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjECanaryToken' + 'Q'.repeat(60);
const SECRET_STRING = '{"api_key":"canary-connector-key-987654"}';

function xml(op: string, inner: string): string {
  return `<${op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${op}Result>${inner}</${op}Result><ResponseMetadata><RequestId>req-${hits.length}</RequestId></ResponseMetadata></${op}Response>`;
}
function queryError(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`;
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    hits.push({ path: req.url ?? '', body, target: req.headers['x-amz-target'] as string | undefined });
    if (mode === 'hang') return; // accepted, never answered
    if (mode === 'reset') return req.socket.destroy();
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/xml' });
      return res.end('<<<this is not xml');
    }
    if (mode === 'server-error') {
      res.writeHead(500, { 'content-type': 'text/xml' });
      return res.end(queryError('InternalFailure', 'internal failure'));
    }
    if (mode === 'throttle') {
      res.writeHead(400, { 'content-type': 'text/xml' });
      return res.end(queryError('Throttling', 'Rate exceeded'));
    }
    if (mode === 'denied') {
      res.writeHead(403, { 'content-type': 'text/xml' });
      return res.end(queryError('AccessDenied', 'User: arn:aws:sts::111122223333:assumed-role/ai-gateway/s is not authorized to perform: sts:AssumeRole'));
    }
    if (req.headers['x-amz-target']?.toString().startsWith('secretsmanager.')) {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      return res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/x-AbCdEf', Name: 'gw/prod/x', VersionId: 'v1', SecretString: SECRET_STRING }));
    }
    const action = new URLSearchParams(body).get('Action');
    res.writeHead(200, { 'content-type': 'text/xml' });
    if (action === 'AssumeRole') {
      return res.end(xml('AssumeRole', `<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>${SECRET_KEY}</SecretAccessKey><SessionToken>${SESSION_TOKEN}</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/ai-gateway/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>`));
    }
    return res.end(xml('GetCallerIdentity', '<Arn>arn:aws:sts::111122223333:assumed-role/ai-gateway/pod</Arn><UserId>AROA:pod</UserId><Account>111122223333</Account>'));
  });
});
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as import('node:net').AddressInfo).port;
t.teardown(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

// A port nothing listens on: connections are refused.
const closedPort = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as import('node:net').AddressInfo).port;
    s.close(() => resolve(p));
  });
});

process.env.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${port}`;
process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${port}`;
process.env.AWS_ENDPOINT_URL_IAM = `http://127.0.0.1:${port}`;
process.env.AWS_ENDPOINT_URL_REDSHIFT = `http://127.0.0.1:${port}`;
process.env.AWS_ENDPOINT_URL_EC2 = `http://127.0.0.1:${closedPort}`;

const config = parseConfig({
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::111122223333:role/ai-gateway',
  platformAccountId: '999988887777',
  organizationId: 'org-7f3a9c',
  clusterName: 'prod',
  options: { probeTimeoutMs: 1500, connectTimeoutMs: 500 },
});
const credentialsProvider = async () => ({ accessKeyId: 'AKIAHARNESS', secretAccessKey: 'harness/secret/key/for/the/loopback/test1' });
const access = () => createAwsAccess({ config, env: process.env, credentialsProvider });

async function failure(p: Promise<unknown>): Promise<AwsCallErrorT> {
  try {
    await p;
  } catch (err) {
    if (isAwsCallError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

t.beforeEach(() => {
  mode = 'ok';
  hits = [];
});

t.test('AWS_ENDPOINT_URL_<SERVICE> is honoured (query and JSON protocols)', async (t) => {
  const aws = access();
  const me = await aws.call('sts', 'GetCallerIdentity', {});
  t.equal(me.Arn, 'arn:aws:sts::111122223333:assumed-role/ai-gateway/pod');
  t.equal(me.Account, '111122223333');
  const secret = await aws.call('secretsmanager', 'GetSecretValue', { SecretId: 'gw/prod/x' });
  t.equal(secret.VersionId, 'v1');
  t.equal(hits.length, 2, 'both calls reached the loopback server');
  t.equal(hits[1]!.target, 'secretsmanager.GetSecretValue');
  t.equal(redact(`value ${SECRET_STRING}`), `value ${MASK}`, 'a secret value read is registered for redaction');
});

t.test('credentials an answer carries are registered for redaction', async (t) => {
  const aws = access();
  const out = await aws.call('sts', 'AssumeRole', { RoleArn: config.roleArn, RoleSessionName: 'gateway-doctor' });
  t.equal(out.Credentials.AccessKeyId, 'ASIAASSUMED');
  t.notOk(redact(`key ${SECRET_KEY} token ${SESSION_TOKEN}`).includes(SECRET_KEY.slice(0, 20)));
  t.notOk(redact(`token ${SESSION_TOKEN}`).includes('CanaryToken'));
  // Calls with those credentials get their own client and work too.
  const asAssumed = await aws.call('sts', 'GetCallerIdentity', {}, { credentials: { accessKeyId: out.Credentials.AccessKeyId, secretAccessKey: out.Credentials.SecretAccessKey, sessionToken: out.Credentials.SessionToken } });
  t.ok(asAssumed.Arn);
});

t.test('the read-only guard refuses before anything is sent', async (t) => {
  const aws = access();
  for (const [service, op] of [['iam', 'CreateRole'], ['redshift', 'GetClusterCredentials'], ['sts', 'AssumeRoleWithWebIdentity'], ['secretsmanager', 'PutSecretValue'], ['ec2', 'AuthorizeSecurityGroupIngress']] as const) {
    const err = await failure(aws.call(service, op, { RoleName: 'x', AssumeRolePolicyDocument: '{}', ClusterIdentifier: 'c', DbUser: 'u' }));
    t.equal(err.info.kind, 'refused-by-guard', `${service}:${op} refused`);
    t.match(err.info.message, /read-only/);
  }
  t.equal(hits.length, 0, 'the server received nothing');

  // The middleware itself, on a client built outside our factory: refuses at the initialize step.
  const { RedshiftClient, GetClusterCredentialsCommand, DescribeClustersCommand } = await import('@aws-sdk/client-redshift');
  const client = new RedshiftClient({ region: 'us-east-1', credentials: credentialsProvider, maxAttempts: 1 });
  addReadOnlyGuard(client.middlewareStack as never, 'redshift');
  t.ok(client.middlewareStack.identify().some((m: string) => m.startsWith(GUARD_MIDDLEWARE_NAME)), 'named in the stack');
  const refused = await client.send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'analytics', DbUser: 'admin' })).catch((e) => e);
  t.equal(refused?.info?.kind, 'refused-by-guard');
  t.equal(hits.length, 0, 'still nothing received');
  const listed = await client.send(new DescribeClustersCommand({})).catch((e) => e);
  t.ok(hits.length >= 1, 'an allowlisted read goes through the same client');
  void listed;
  client.destroy();
});

t.test('the allowlist holds only reads and the two STS calls', async (t) => {
  for (const [service, ops] of Object.entries(ALLOWED_OPERATIONS)) {
    for (const op of ops) {
      const ok = /^(Describe|Get|List)/.test(op) || (service === 'sts' && op === 'AssumeRole');
      t.ok(ok, `${service}:${op} is a read`);
      t.not(op, 'GetClusterCredentials');
    }
  }
});

t.test('faults are classified; throttling and 5xx are retried once, a refused connection is not', async (t) => {
  const aws = access();
  const rows: { mode: Mode; kind: string; awsCode?: string; attempts: number }[] = [
    { mode: 'throttle', kind: 'throttled', awsCode: 'Throttling', attempts: 2 },
    { mode: 'server-error', kind: 'server', awsCode: 'InternalFailure', attempts: 2 },
    { mode: 'garbage', kind: 'malformed', attempts: 1 },
    { mode: 'denied', kind: 'denied', awsCode: 'AccessDenied', attempts: 1 },
    { mode: 'reset', kind: 'server', attempts: 2 },
  ];
  for (const row of rows) {
    mode = row.mode;
    hits = [];
    const err = await failure(aws.call('sts', 'GetCallerIdentity', {}));
    t.equal(err.info.kind, row.kind, `${row.mode} → ${row.kind}`);
    if (row.awsCode) t.equal(err.info.awsCode, row.awsCode, `${row.mode}: AWS code kept`);
    t.equal(hits.length, row.attempts, `${row.mode}: ${row.attempts} attempt(s)`);
    t.equal(err.info.service, 'sts');
    t.equal(err.info.operation, 'GetCallerIdentity');
  }
  mode = 'denied';
  const denied = await failure(aws.call('sts', 'GetCallerIdentity', {}));
  t.match(denied.info.message, /is not authorized to perform: sts:AssumeRole/, "AWS's own words");
  t.equal(denied.info.httpStatus, 403);
});

t.test('an accepted connection that never answers ends as timeout, not a hang', async (t) => {
  mode = 'hang';
  const err = await failure(access().call('sts', 'GetCallerIdentity', {}));
  t.equal(err.info.kind, 'timeout');
  t.equal(hits.length, 1, 'not retried into the probe deadline');
});

t.test('a refused endpoint is unreachable, and a task signal stops a call', async (t) => {
  const aws = access();
  const err = await failure(aws.call('ec2', 'DescribeVpcs', {}));
  t.equal(err.info.kind, 'unreachable');
  t.equal(err.info.awsCode, 'ECONNREFUSED');
  mode = 'hang';
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const aborted = await failure(aws.forTask(controller.signal).call('sts', 'GetCallerIdentity', {}));
  t.equal(aborted.info.kind, 'timeout');
});

t.test('the retry strategy never retries an unreachable endpoint or a timeout', async (t) => {
  const strategy = boundedRetryStrategy(3);
  const first = await strategy.acquireInitialRetryToken('');
  const refuse = (error: unknown, errorType = 'TRANSIENT') => strategy.refreshRetryTokenForRetry(first, { errorType, error });
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']) {
    await t.rejects(refuse(Object.assign(new Error(code), { code })), `${code} not retried`);
  }
  await t.rejects(refuse(Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 500 ms.'), { name: 'TimeoutError' })), 'connect timeout not retried');
  await t.rejects(refuse(new Error('bad request'), 'CLIENT_ERROR'), 'client errors not retried');
  const again = await refuse(new Error('throttled'), 'THROTTLING');
  t.equal(again.getRetryCount(), 1);
  t.ok(again.getRetryDelay() > 0 && again.getRetryDelay() <= 800, 'bounded backoff');
  const last = await strategy.refreshRetryTokenForRetry(again, { errorType: 'SERVER_ERROR', error: new Error('5xx') });
  await t.rejects(strategy.refreshRetryTokenForRetry(last, { errorType: 'SERVER_ERROR', error: new Error('5xx') }), 'attempts are bounded');
});

t.test('credentials: a chain that yields none is kind credentials, with its own message', async (t) => {
  const aws = createAwsAccess({
    config,
    credentialsProvider: async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    },
  });
  const err = await failure(aws.credentials());
  t.equal(err.info.kind, 'credentials');
  t.match(err.info.message, /Could not load credentials from any providers/);
  const viaCall = await failure(aws.call('iam', 'GetRole', { RoleName: 'ai-gateway' }));
  t.equal(viaCall.info.kind, 'credentials');
  t.equal(`${viaCall.info.service}:${viaCall.info.operation}`, 'iam:GetRole', 'names the call that needed credentials');
  t.equal(hits.length, 0);
});

t.test('credentials: the default chain (env keys here) is used and registered', async (t) => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIADEFAULTCHAIN';
  process.env.AWS_SECRET_ACCESS_KEY = 'default/chain/secret/key/registered/00001';
  try {
    const aws = createAwsAccess({ config });
    const creds = await aws.credentials();
    t.equal(creds.accessKeyId, 'AKIADEFAULTCHAIN');
    t.equal(redact('default/chain/secret/key/registered/00001'), MASK);
    const me = await aws.call('sts', 'GetCallerIdentity', {});
    t.ok(me.Arn);
  } finally {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
  }
});

t.test('classifyAwsError: the shapes the SDK, the handler and Node throw', async (t) => {
  const svc = (name: string, status: number, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} message`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'rid' }, ...extra });
  const rows: [unknown, string, string?][] = [
    [svc('AccessDenied', 403), 'denied', 'AccessDenied'],
    [svc('AccessDeniedException', 400), 'denied'],
    [svc('UnauthorizedOperation', 403), 'denied'],
    [svc('NoSuchEntity', 404), 'not-found'],
    [svc('ResourceNotFoundException', 400), 'not-found'],
    [svc('ClusterNotFound', 404), 'not-found'],
    [svc('InvalidGroup.NotFound', 400), 'not-found'],
    [svc('Throttling', 400), 'throttled'],
    [svc('ThrottlingException', 400), 'throttled'],
    [svc('TooManyRequestsException', 429), 'throttled'],
    [svc('RequestLimitExceeded', 503), 'throttled'],
    [svc('InternalFailure', 500), 'server'],
    [svc('ServiceUnavailable', 503), 'server'],
    [svc('UnknownError', 502), 'server'],
    [svc('ValidationError', 400), 'client'],
    [svc('ExpiredToken', 403), 'client'],
    [Object.assign(new Error('Deserialization error: to see the raw response...'), { $response: { statusCode: 200 }, $metadata: { httpStatusCode: 200 } }), 'malformed'],
    [Object.assign(new SyntaxError('Unexpected token < in JSON'), { $response: { statusCode: 200 } }), 'malformed'],
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }), 'unreachable', 'ECONNREFUSED'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND sts.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }), 'unreachable', 'ENOTFOUND'],
    [Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' }), 'unreachable'],
    [Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }), 'unreachable'],
    [Object.assign(new Error('connect ENETUNREACH'), { code: 'ENETUNREACH' }), 'unreachable'],
    [Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:443'), { code: 'ETIMEDOUT', name: 'TimeoutError' }), 'unreachable'],
    [new AggregateError([Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' })], ''), 'unreachable', 'ETIMEDOUT'],
    [Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 3000 ms.'), { name: 'TimeoutError' }), 'unreachable', 'ConnectTimeout'],
    [Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 4750 ms requestTimeout.'), { name: 'TimeoutError', code: 'ETIMEDOUT' }), 'timeout'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', name: 'TimeoutError' }), 'server', 'ECONNRESET'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'server'],
    [new Error('socket hang up'), 'server'],
    [Object.assign(new Error('Request aborted'), { name: 'AbortError' }), 'timeout'],
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'credentials'],
    [Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'unreachable'],
    ['a string', 'client'],
    [undefined, 'client'],
  ];
  for (const [err, kind, awsCode] of rows) {
    const info = classifyAwsError(err, 'sts', 'GetCallerIdentity');
    t.equal(info.kind, kind, `${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message?.slice(0, 50) ?? String(err)} → ${kind}`);
    if (awsCode) t.equal(info.awsCode, awsCode);
  }
  const withStatus = classifyAwsError(svc('AccessDenied', 403), 'iam', 'GetRole');
  t.same([withStatus.httpStatus, withStatus.requestId, withStatus.service, withStatus.operation], [403, 'rid', 'iam', 'GetRole']);
  const secret = classifyAwsError(new Error(`failed with SessionToken=${SESSION_TOKEN}`), 'sts', 'AssumeRole');
  t.notOk(secret.message.includes('CanaryToken'), 'messages are redacted');
});

// CI runs 2,000 cases; a nightly-sized run sets FUZZ_RUNS=100000.
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
t.test('classifyAwsError never throws and is deterministic (property)', async (t) => {
  const anyError = fc.oneof(
    fc.anything(),
    fc.record({ name: fc.string(), message: fc.string(), code: fc.option(fc.string()), $fault: fc.option(fc.constantFrom('client', 'server')), $metadata: fc.option(fc.record({ httpStatusCode: fc.option(fc.integer({ min: 100, max: 599 })), requestId: fc.option(fc.string()) })) }),
  );
  fc.assert(
    fc.property(anyError, (err) => {
      const a = classifyAwsError(err, 'sts', 'GetCallerIdentity');
      const b = classifyAwsError(err, 'sts', 'GetCallerIdentity');
      return JSON.stringify(a) === JSON.stringify(b) && typeof a.kind === 'string' && typeof a.message === 'string';
    }),
    { numRuns: FUZZ_RUNS },
  );
  t.pass(`${FUZZ_RUNS} generated errors classified`);
});
