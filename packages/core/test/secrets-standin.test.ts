// The stand-in's Secrets Manager, KMS, CloudTrail, Athena and EKS modules against two independent clients — the
// JS SDK v3 and Debian's AWS CLI — on a loopback stand-in: decisions (IAM, resource policy, key policy), AWS's
// error codes and words, partial-ARN and name lookups, and that both clients parse every answer.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { loadWorld } from '../../../test/world/load.ts';
import { startLoopbackStandin, httpsAgentFor, podToken } from '../../../test/standin/testkit.ts';

// Each AWS CLI call starts a Python interpreter (~1-2 s): the file needs more than tap's default 30 s.
t.setTimeout(240_000);

const require = createRequire(import.meta.url);
const { SecretsManagerClient, GetSecretValueCommand, DescribeSecretCommand } = require('@aws-sdk/client-secrets-manager');
const { KMSClient, DescribeKeyCommand, GetKeyPolicyCommand } = require('@aws-sdk/client-kms');
const { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand, GetEventSelectorsCommand } = require('@aws-sdk/client-cloudtrail');
const { AthenaClient, GetWorkGroupCommand } = require('@aws-sdk/client-athena');
const { EKSClient, ListPodIdentityAssociationsCommand, DescribePodIdentityAssociationCommand, DescribeAddonCommand } = require('@aws-sdk/client-eks');

const ACCT = '111122223333';
const R = 'us-east-1';
const SECRET = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/snowflake-AbCdEf`;
const DELETED = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/old-Qw3rTy`;
const LOCKED = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/locked-Zx9Yw8`;
const OTHER = `arn:aws:secretsmanager:${R}:${ACCT}:secret:other/prod/thing-Aa1Bb2`;
const BINARY = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/cert-Bb2Cc3`;
const ADMIN_KEY = `arn:aws:kms:${R}:${ACCT}:key/0a0a0a0a-1111-4222-8333-444444444444`;
const VIA_KEY = (service: string) => `arn:aws:kms:${R}:${ACCT}:key/0b0b0b0b-1111-4222-8333-${service === 's3' ? '555555555555' : '666666666666'}`;
const VIA_S3 = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/via-s3-Cc3Dd4`;
const VIA_SM = `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/via-sm-Dd4Ee5`;

const { world: loaded } = loadWorld(join(import.meta.dirname, '..', '..', '..', 'test', 'worlds', 'healthy-cmk-secret.yaml'));
const world: any = structuredClone(loaded);
world.secretsManager.secrets.push(
  { ARN: DELETED, Name: 'gw/prod/old', SecretString: 'old-value', DeletedDate: '2026-12-24T00:00:00Z' },
  { ARN: LOCKED, Name: 'gw/prod/locked', SecretString: 'locked-value', KmsKeyId: ADMIN_KEY },
  { ARN: OTHER, Name: 'other/prod/thing', SecretString: 'other-value' },
  { ARN: BINARY, Name: 'gw/prod/cert', SecretBinary: Buffer.from('binary-value').toString('base64') },
  { ARN: VIA_S3, Name: 'gw/prod/via-s3', SecretString: 'via-s3-value', KmsKeyId: VIA_KEY('s3') },
  { ARN: VIA_SM, Name: 'gw/prod/via-sm', SecretString: 'via-sm-value', KmsKeyId: VIA_KEY('secretsmanager') },
);
// keys whose policy names the role directly (no account-root delegation), for one service only
for (const service of ['s3', 'secretsmanager']) {
  world.kms.keys.push({
    KeyId: VIA_KEY(service).split('/')[1],
    Arn: VIA_KEY(service),
    KeyPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCT}:role/ai-gateway` },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': `${service}.${R}.amazonaws.com` } },
        },
      ],
    },
  });
}
world.kms.keys.push({
  KeyId: '0a0a0a0a-1111-4222-8333-444444444444',
  Arn: ADMIN_KEY,
  KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:role/kms-admin` }, Action: 'kms:*', Resource: '*' }] },
});
// the role may read everything under gw/prod/ (decrypt: the world's CMK statement)
world.iam.RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[1].Resource = `arn:aws:secretsmanager:*:${ACCT}:secret:gw/prod/*`;
world.athena = { WorkGroups: [{ Name: 'analytics', State: 'ENABLED', Configuration: { ResultConfiguration: { OutputLocation: 's3://r/analytics/' } } }] };

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

async function podCreds(agentUrl: string): Promise<Creds> {
  const token = podToken({ namespace: 'xpander', serviceAccount: 'ai-gateway', podName: 'ai-gateway-6d9f7-abcde' });
  const body = await new Promise<string>((resolve, reject) => {
    const u = new URL(agentUrl + '/v1/credentials');
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, headers: { Authorization: token } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(b) : reject(new Error(`agent ${res.statusCode}: ${b}`))));
    });
    req.on('error', reject);
    req.end();
  });
  const j = JSON.parse(body);
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
}

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: any) => e);

t.test('JS SDK v3 against the stand-in modules', async (t) => {
  const s = await startLoopbackStandin(world);
  t.teardown(() => s.close());
  const pod = await podCreds(s.agentUrl);
  const cfg = (credentials: Creds, region = R) => ({ region, endpoint: s.endpoint, credentials, maxAttempts: 1, requestHandler: { httpsAgent: httpsAgentFor(s.tls) } as any });
  const sm = new SecretsManagerClient(cfg(pod));

  const full = await sm.send(new GetSecretValueCommand({ SecretId: SECRET }));
  t.equal(full.ARN, SECRET);
  t.match(full.SecretString, /CANARY-snowflake-pw/);
  t.same(full.VersionStages, ['AWSCURRENT']);
  t.ok(full.CreatedDate instanceof Date, 'timestamps parsed');
  t.equal((await sm.send(new GetSecretValueCommand({ SecretId: SECRET.slice(0, -7) }))).ARN, SECRET, 'partial ARN (without the suffix) resolves');
  t.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'gw/prod/snowflake' }))).ARN, SECRET, 'the name resolves');
  const bin = await sm.send(new GetSecretValueCommand({ SecretId: BINARY }));
  t.equal(Buffer.from(bin.SecretBinary).toString(), 'binary-value', 'SecretBinary is a blob');

  const missing = await fail(sm.send(new GetSecretValueCommand({ SecretId: `arn:aws:secretsmanager:${R}:${ACCT}:secret:gw/prod/snowflak-AbCdEf` })));
  t.equal(missing.name, 'ResourceNotFoundException');
  t.equal(missing.message, "Secrets Manager can't find the specified secret.");
  const otherRegion = await fail(new SecretsManagerClient(cfg(pod, 'us-west-2')).send(new GetSecretValueCommand({ SecretId: SECRET.replace(R, 'us-west-2') })));
  t.equal(otherRegion?.name, 'ResourceNotFoundException', 'a secret exists only in its own region');
  const deleted = await fail(sm.send(new GetSecretValueCommand({ SecretId: DELETED })));
  t.equal(deleted.name, 'InvalidRequestException');
  t.equal(deleted.message, "You can't perform this operation on the secret because it was marked for deletion.");
  const locked = await fail(sm.send(new GetSecretValueCommand({ SecretId: LOCKED })));
  t.equal(locked.name, 'AccessDeniedException');
  t.equal(locked.message, 'Access to KMS is not allowed', 'a key policy that admits neither the role nor IAM');
  t.equal((await sm.send(new GetSecretValueCommand({ SecretId: VIA_SM }))).SecretString, 'via-sm-value', 'key policy naming the role, kms:ViaService Secrets Manager: readable');
  const viaS3 = await fail(sm.send(new GetSecretValueCommand({ SecretId: VIA_S3 })));
  t.equal(viaS3?.message, 'Access to KMS is not allowed', 'kms:ViaService for another service does not hold');
  const notAllowed = await fail(sm.send(new GetSecretValueCommand({ SecretId: OTHER })));
  t.equal(notAllowed.name, 'AccessDeniedException');
  t.match(notAllowed.message, /is not authorized to perform: secretsmanager:GetSecretValue on resource: .*other\/prod\/thing.* because no identity-based policy allows the secretsmanager:GetSecretValue action/);
  const notAllowedMissing = await fail(sm.send(new GetSecretValueCommand({ SecretId: `arn:aws:secretsmanager:${R}:${ACCT}:secret:nope-Aa1Bb2` })));
  t.equal(notAllowedMissing.name, 'AccessDeniedException', 'denied before existence is revealed');

  const d = await sm.send(new DescribeSecretCommand({ SecretId: SECRET }));
  t.equal(d.KmsKeyId, world.kms.keys[0].Arn);
  t.equal((await sm.send(new DescribeSecretCommand({ SecretId: BINARY }))).KmsKeyId, undefined, 'AWS managed key: KmsKeyId omitted');
  t.ok((await sm.send(new DescribeSecretCommand({ SecretId: DELETED }))).DeletedDate instanceof Date);

  const kms = new KMSClient(cfg(pod));
  const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/gw-connectors' }));
  t.equal(key.KeyMetadata.Arn, world.kms.keys[0].Arn, 'alias resolves');
  t.equal(key.KeyMetadata.KeyManager, 'CUSTOMER');
  const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyMetadata.Arn, PolicyName: 'default' }));
  t.match(JSON.parse(policy.Policy).Statement[0].Principal.AWS, `arn:aws:iam::${ACCT}:root`);
  const managed = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }));
  t.equal(managed.KeyMetadata.KeyManager, 'AWS');
  const adminOnly = await fail(kms.send(new GetKeyPolicyCommand({ KeyId: ADMIN_KEY, PolicyName: 'default' })));
  t.equal(adminOnly.name, 'AccessDeniedException', 'the key policy decides GetKeyPolicy too');
  const noKey = await fail(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
  t.equal(noKey.name, 'NotFoundException');

  const ct = new CloudTrailClient(cfg(pod));
  const trails = await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  t.equal(trails.trailList[0].Name, 'org-audit');
  t.equal(trails.trailList[0].TrailARN, `arn:aws:cloudtrail:${R}:${ACCT}:trail/org-audit`);
  t.equal((await ct.send(new GetTrailStatusCommand({ Name: trails.trailList[0].TrailARN }))).IsLogging, true);
  t.equal((await ct.send(new GetEventSelectorsCommand({ TrailName: 'org-audit' }))).EventSelectors[0].IncludeManagementEvents, true);
  const noTrail = await fail(ct.send(new GetTrailStatusCommand({ Name: 'nope' })));
  t.equal(noTrail.name, 'TrailNotFoundException');

  const athena = new AthenaClient(cfg(pod));
  t.equal((await athena.send(new GetWorkGroupCommand({ WorkGroup: 'analytics' }))).WorkGroup.Configuration.ResultConfiguration.OutputLocation, 's3://r/analytics/');
  t.equal((await athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).WorkGroup.State, 'ENABLED', 'every account has primary');
  const noWg = await fail(athena.send(new GetWorkGroupCommand({ WorkGroup: 'nope' })));
  t.equal(noWg.name, 'InvalidRequestException');
  t.equal(noWg.message, 'WorkGroup is not found.');

  const eks = new EKSClient(cfg(pod));
  const list = await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'prod', namespace: 'xpander', serviceAccount: 'ai-gateway' }));
  t.equal(list.associations.length, 1);
  t.equal((await eks.send(new ListPodIdentityAssociationsCommand({ clusterName: 'prod', namespace: 'other' }))).associations.length, 0, 'query filters honoured');
  const assoc = await eks.send(new DescribePodIdentityAssociationCommand({ clusterName: 'prod', associationId: list.associations[0].associationId }));
  t.equal(assoc.association.roleArn, `arn:aws:iam::${ACCT}:role/ai-gateway`);
  t.equal((await eks.send(new DescribeAddonCommand({ clusterName: 'prod', addonName: 'eks-pod-identity-agent' }))).addon.status, 'ACTIVE');
  const noAddon = await fail(eks.send(new DescribeAddonCommand({ clusterName: 'prod', addonName: 'vpc-cni' })));
  t.equal(noAddon.name, 'ResourceNotFoundException');
  t.equal(noAddon.$metadata.httpStatusCode, 404);

  t.ok(s.requests.some((r) => r.operation === 'GetSecretValue' && r.decision === 'deny'), 'denials logged');
});

const AWS = '/usr/bin/aws';
t.test('AWS CLI against the stand-in modules', { skip: existsSync(AWS) ? false : `${AWS} is not installed` }, async (t) => {
  const s = await startLoopbackStandin(world);
  t.teardown(() => s.close());
  const pod = await podCreds(s.agentUrl);
  const dir = mkdtempSync(join(tmpdir(), 'gd-cli-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, s.tls.ca);
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    AWS_CA_BUNDLE: ca,
    AWS_ACCESS_KEY_ID: pod.accessKeyId,
    AWS_SECRET_ACCESS_KEY: pod.secretAccessKey,
    AWS_SESSION_TOKEN: pod.sessionToken ?? '',
    AWS_DEFAULT_REGION: R,
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
  // at most three CLIs at a time: the machine is shared
  let running = 0;
  const waiting: Array<() => void> = [];
  const aws = async (...args: string[]) => {
    if (running >= 3) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      const { stdout } = await promisify(execFile)(AWS, [...args, '--endpoint-url', s.endpoint, '--output', 'json'], { env, timeout: 120_000 });
      return { ok: true, json: JSON.parse(stdout || '{}'), stderr: '' };
    } catch (e: any) {
      return { ok: false, json: undefined, stderr: `${e.killed ? 'killed (timeout) ' : ''}${e.stderr || e.message}` };
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  // Independent calls, run together (each is a Python start-up). CLI 2.9 predates the Pod Identity API, so the
  // association reads are the SDK's alone.
  const [v, b, nf, kd, del, k, tr, ts, es, wg, nwg, ad, dc] = await Promise.all([
    aws('secretsmanager', 'get-secret-value', '--secret-id', SECRET),
    aws('secretsmanager', 'get-secret-value', '--secret-id', BINARY),
    aws('secretsmanager', 'get-secret-value', '--secret-id', 'gw/prod/snowflak'),
    aws('secretsmanager', 'get-secret-value', '--secret-id', LOCKED),
    aws('secretsmanager', 'describe-secret', '--secret-id', DELETED),
    aws('kms', 'describe-key', '--key-id', 'alias/gw-connectors'),
    aws('cloudtrail', 'describe-trails'),
    aws('cloudtrail', 'get-trail-status', '--name', 'org-audit'),
    aws('cloudtrail', 'get-event-selectors', '--trail-name', 'org-audit'),
    aws('athena', 'get-work-group', '--work-group', 'analytics'),
    aws('athena', 'get-work-group', '--work-group', 'nope'),
    aws('eks', 'describe-addon', '--cluster-name', 'prod', '--addon-name', 'eks-pod-identity-agent'),
    aws('eks', 'describe-cluster', '--name', 'prod'),
  ]);
  // the CLI words errors as `An error occurred (Code) when calling the Op operation[ (reached max retries: N)]: message`
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const cliError = (code: string, op: string, message: string) =>
    new RegExp(`An error occurred \\(${code}\\) when calling the ${op} operation( \\(reached max retries: \\d+\\))?: ` + escape(message));
  t.equal(v.json?.ARN, SECRET, `get-secret-value ${v.stderr}`);
  t.equal(v.json?.VersionStages?.[0], 'AWSCURRENT');
  t.equal(Buffer.from(b.json?.SecretBinary ?? '', 'base64').toString(), 'binary-value', `binary ${b.stderr}`);
  t.match(nf.stderr, cliError('ResourceNotFoundException', 'GetSecretValue', "Secrets Manager can't find the specified secret."));
  t.match(kd.stderr, cliError('AccessDeniedException', 'GetSecretValue', 'Access to KMS is not allowed'));
  t.ok(del.json?.DeletedDate, `describe-secret shows DeletedDate ${del.stderr}`);
  t.equal(k.json?.KeyMetadata?.KeyState, 'Enabled', `describe-key ${k.stderr}`);
  const kp = await aws('kms', 'get-key-policy', '--key-id', k.json?.KeyMetadata?.Arn ?? 'x', '--policy-name', 'default');
  t.ok(JSON.parse(kp.json?.Policy ?? '{}').Statement, `get-key-policy ${kp.stderr}`);
  t.equal(tr.json?.trailList?.[0]?.Name, 'org-audit', `describe-trails ${tr.stderr}`);
  t.equal(ts.json?.IsLogging, true, `get-trail-status ${ts.stderr}`);
  t.equal(es.json?.EventSelectors?.[0]?.ReadWriteType, 'All', `get-event-selectors ${es.stderr}`);
  t.equal(wg.json?.WorkGroup?.State, 'ENABLED', `get-work-group ${wg.stderr}`);
  t.match(nwg.stderr, cliError('InvalidRequestException', 'GetWorkGroup', 'WorkGroup is not found.'));
  t.equal(ad.json?.addon?.status, 'ACTIVE', `describe-addon ${ad.stderr}`);
  t.equal(dc.json?.cluster?.resourcesVpcConfig?.clusterSecurityGroupId, 'sg-0c1a5', `describe-cluster ${dc.stderr}`);
});

t.test('laptop mode: eks.association reads the cluster side, secrets.read says it needs the pod', async (t) => {
  const { runInSandbox } = await import('../../../test/sandbox/index.ts');
  const file = join(import.meta.dirname, '..', '..', '..', 'test', 'worlds', 'eks-association-missing.yaml');
  const r = await runInSandbox({
    world: file,
    args: ['run', '--config', '/etc/gateway-doctor/config.yaml', '--format', 'json', '--where', 'laptop', '--only', 'identity.caller,secrets.read,eks.association'],
  });
  const report = JSON.parse(r.stdout);
  const find = (probe: string) => report.outcomes.filter((o: any) => o.probe === probe);
  t.equal(report.context.where, 'laptop');
  t.same(find('eks.association').map((o: any) => o.code), ['ASSOCIATION_MISSING'], 'no association for xpander/ai-gateway');
  t.match(find('eks.association')[0].remedy.commands[0], 'aws eks create-pod-identity-association --cluster-name prod --namespace xpander --service-account ai-gateway --role-arn arn:aws:iam::111122223333:role/ai-gateway');
  t.same(find('secrets.read').map((o: any) => `${o.status} ${o.code}`), ['skip NOT_APPLICABLE'], 'pod-only');
  t.match(find('secrets.read')[0].summary, 'gateway-doctor cluster');
});
