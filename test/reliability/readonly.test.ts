// Read-only, proven (issue 8 item 1).
// (a) The guard, over the whole SDK surface the product loads: every command of every AWS SDK client that
//     packages/core/src/aws/access.ts can import is sent through a client carrying the product's guard
//     middleware and a request handler that records what would go on the wire. Exactly the allowlisted
//     operations get past the guard; every other one is refused before the handler sees a byte. The factory
//     (createAwsAccess) refuses the same operations before it even loads a client.
// (b) On the wire: test/scenario/worlds.test.ts asserts readOnlyViolations() on the stand-in's log of every
//     world in test/worlds/ (one run per world, shared with the scenario checks); here the fault worlds
//     (test/worlds/faults/), where retries and failures change what the SDK sends, and the checker itself.
import t from 'tap';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, runInSandbox } from '../sandbox/index.ts';
import { loadWorld } from '../world/load.ts';
import { ALLOWED_OPERATIONS } from '../../packages/core/src/aws/allowlist.ts';
import { addReadOnlyGuard } from '../../packages/core/src/aws/guard.ts';
import { createAwsAccess } from '../../packages/core/src/aws/access.ts';
import { parseConfig } from '../../packages/core/src/config.ts';
import type { ServiceId } from '../../packages/core/src/types.ts';
import { readOnlyViolations, productOperations } from './readonly.ts';

const accessSource = readFileSync(join(REPO_ROOT, 'packages/core/src/aws/access.ts'), 'utf8');
/** service id → SDK package, as the factory's CLIENT_LOADERS names them */
const loaders = [...accessSource.matchAll(/^\s*([a-z0-9]+): async \(\) => \(\{ module: await import\('(@aws-sdk\/client-[a-z0-9-]+)'\), clientName: '(\w+)' \}\)/gm)]
  .map((m) => ({ service: m[1] as ServiceId, pkg: m[2]!, clientName: m[3]! }));
const coreRequire = createRequire(join(REPO_ROOT, 'packages/core/package.json'));

t.test('the factory loads exactly the services the allowlist covers', async (t) => {
  t.ok(loaders.length >= 10, `${loaders.length} SDK clients found in access.ts`);
  t.same(loaders.map((l) => l.service).sort(), Object.keys(ALLOWED_OPERATIONS).sort());
  // and nothing else in the product imports an SDK client or signs its own requests
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'node_modules' && e.name !== 'dist') walk(p); continue; }
      if (!/\.tsx?$/.test(e.name) || p.endsWith('packages/core/src/aws/access.ts')) continue;
      const src = readFileSync(p, 'utf8');
      if (/['"]@aws-sdk\/client-|['"]@smithy\/signature-v4|['"]@aws-sdk\/signature-v4/.test(src)) offenders.push(p.slice(REPO_ROOT.length + 1));
    }
  };
  for (const pkg of ['core', 'cli', 'job']) walk(join(REPO_ROOT, 'packages', pkg, 'src'));
  t.same(offenders, [], 'only the factory talks to AWS');
});

t.test('over every command of every client: exactly the allowlisted ones pass the guard', async (t) => {
  const credentials = async () => ({ accessKeyId: 'AKIAGUARDTEST', secretAccessKey: 'guard/test/secret/not/a/real/key/000000' });
  let total = 0;
  for (const { service, pkg, clientName } of loaders) {
    const mod: Record<string, any> = await import(pathToFileURL(coreRequire.resolve(pkg)).href);
    const names = Object.keys(mod).filter((k) => /^[A-Z]\w*Command$/.test(k) && typeof mod[k] === 'function' && k !== 'Command').map((k) => k.replace(/Command$/, ''));
    const allowed = ALLOWED_OPERATIONS[service];
    for (const op of allowed) t.ok(names.includes(op), `${service}:${op} is a real ${pkg} command`);
    const sent: string[] = [];
    let current = '';
    const client = new mod[clientName]({
      region: 'us-east-1', credentials, maxAttempts: 1,
      requestHandler: { handle: async () => { sent.push(current); throw Object.assign(new Error('recorded, not sent'), { name: 'RecordedNotSent' }); }, updateHttpClientConfig() {}, httpHandlerConfigs: () => ({}) },
    });
    addReadOnlyGuard(client.middlewareStack, service);
    const passed: string[] = [];
    const refusedButSent: string[] = [];
    for (const op of names) {
      current = op;
      const before = sent.length;
      const err: any = await client.send(new mod[`${op}Command`]({})).then(() => undefined, (e: unknown) => e);
      const refused = err?.info?.kind === 'refused-by-guard';
      if (refused && sent.length > before) refusedButSent.push(op);
      if (!refused) passed.push(op);
    }
    client.destroy?.();
    total += names.length;
    t.same(passed.sort(), [...allowed].sort(), `${service}: ${names.length} commands, only the ${allowed.length} allowlisted pass`);
    t.same(refusedButSent, [], `${service}: a refused command never reached the handler`);
    t.ok(sent.every((op) => allowed.includes(op)), `${service}: the handler saw allowlisted operations only`);
  }
  t.ok(total > 1000, `${total} commands tried`);
});

t.test('the factory refuses every other operation before loading a client', async (t) => {
  const config = parseConfig({
    region: 'us-east-1', roleArn: 'arn:aws:iam::111122223333:role/ai-gateway', platformAccountId: '999988887777',
    organizationId: 'org-7f3a9c', clusterName: 'prod',
  });
  const aws = createAwsAccess({ config, credentialsProvider: async () => { throw new Error('no credentials may be asked for'); } });
  for (const [service, op] of [
    ['iam', 'CreateRole'], ['iam', 'UpdateAssumeRolePolicy'], ['iam', 'PutRolePolicy'], ['redshift', 'GetClusterCredentials'],
    ['redshift', 'GetClusterCredentialsWithIAM'], ['sts', 'AssumeRoleWithWebIdentity'], ['sts', 'GetSessionToken'],
    ['secretsmanager', 'PutSecretValue'], ['secretsmanager', 'DeleteSecret'], ['kms', 'Decrypt'], ['kms', 'CreateGrant'],
    ['ec2', 'AuthorizeSecurityGroupIngress'], ['ec2', 'RunInstances'], ['eks', 'CreatePodIdentityAssociation'],
    ['rds', 'GenerateDbAuthToken'], ['athena', 'StartQueryExecution'], ['cloudtrail', 'StopLogging'],
  ] as const) {
    const err: any = await aws.call(service, op, {}).then(() => undefined, (e: unknown) => e);
    t.equal(err?.info?.kind, 'refused-by-guard', `${service}:${op} refused`);
  }
});

t.test('the wire checker flags what a read-only tool must never send', async (t) => {
  t.same(readOnlyViolations([
    { service: 'sts', operation: 'GetCallerIdentity' },
    { service: 'sts', operation: 'AssumeRoleWithWebIdentity' },
    { service: 'ec2', operation: 'AuthorizeSecurityGroupIngress', harness: true },
    { service: 'pod-identity-agent', operation: 'AssumeRoleForPodIdentity' },
    { service: 'imds', operation: 'PUT /latest/api/token' },
    { service: 'imds', operation: 'GET /latest/meta-data/iam/security-credentials/' },
    { service: 'api.powerbi.com', operation: 'GET /' },
  ]), [], 'reads, the chain, the harness');
  t.same(readOnlyViolations([
    { service: 'ec2', operation: 'AuthorizeSecurityGroupIngress' },
    { service: 'redshift', operation: 'GetClusterCredentials' },
    { service: 'sts', operation: '' },
    { service: 'imds', operation: 'PUT /latest/meta-data/x' },
    { service: 'api.powerbi.com', operation: 'POST /' },
    { service: 'eks-auth', operation: 'AssumeRoleForPodIdentity' },
  ]), ['ec2:AuthorizeSecurityGroupIngress', 'redshift:GetClusterCredentials', 'sts:(undecoded)', 'imds:PUT /latest/meta-data/x', 'api.powerbi.com:POST /', 'eks-auth:AssumeRoleForPodIdentity']);
});

const faultsDir = join(REPO_ROOT, 'test/worlds/faults');
const faultWorlds = readdirSync(faultsDir).filter((f) => f.endsWith('.yaml')).sort();
t.test('on the wire, the fault worlds: only allowlisted operations from the product', async (t) => {
  t.ok(faultWorlds.length > 0);
  for (const f of faultWorlds) {
    const result = await runInSandbox({ world: loadWorld(join(faultsDir, f)).world });
    const ops = productOperations(result.requests);
    const sent = (result.requests as Array<{ harness?: boolean }>).filter((r) => !r.harness).length;
    t.ok(sent > 0, `${f}: the product sent ${sent} requests (${ops.size} AWS operations)`);
    t.same(readOnlyViolations(result.requests), [], `${f}: nothing outside the allowlist`);
  }
});
