// The stand-in framework: form decoding and EC2 wire names, the four protocols round-tripped through the real
// SDK clients, SigV4 accept/reject (signed by @smithy/signature-v4, an independent signer), the Pod Identity
// agent's modes in its own words, and IMDS. Everything listens on and talks to 127.0.0.1 only.
import t from 'tap';
import { createRequire } from 'node:module';
import { request as httpRequest } from 'node:http';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SecretsManagerClient, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { decodeForm } from './codecs/form.ts';
import { ec2Wire } from './codecs/ec2.ts';
import { parseAuthorization, verifySignature, isFailure } from './sigv4.ts';
import { startLoopbackStandin, httpsAgentFor, podToken } from './testkit.ts';
import { makeWorld, podIdentityStatement, platformStatement, selfStatement, selfPermission, ACCOUNT, ROLE_ARN, NODE_ROLE_ARN } from './fixtures/world.ts';
import { AwsFault, type ServiceModule } from './types.ts';
import { EKS_AUTH_ACCESS_DENIED } from './agent.ts';

const coreRequire = createRequire(new URL('../../packages/core/package.json', import.meta.url));
const { EC2Client, DescribeSecurityGroupsCommand } = coreRequire('@aws-sdk/client-ec2');
const { EKSClient, DescribeClusterCommand } = coreRequire('@aws-sdk/client-eks');
const { RedshiftClient, DescribeClustersCommand } = coreRequire('@aws-sdk/client-redshift');

/** The hash constructor @smithy/signature-v4 wants: new (secret?) => { update, digest(): Promise<Uint8Array> } */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | Uint8Array) { this.h = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data: string | Uint8Array) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const TOKEN = podToken({ namespace: 'xpander', serviceAccount: 'ai-gateway', podName: 'ai-gateway-6d9f7-abcde' });

function clientConfig(s: { endpoint: string; tls: any }, credentials: Creds) {
  return { region: 'us-east-1', endpoint: s.endpoint, credentials, maxAttempts: 1, requestHandler: { httpsAgent: httpsAgentFor(s.tls) } as any };
}

async function agentGet(url: string, token: string | undefined, host?: string) {
  return new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
    const u = new URL(url + '/v1/credentials');
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, headers: { ...(token !== undefined ? { Authorization: token } : {}), ...(host ? { Host: host } : {}) } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function podCreds(agentUrl: string): Promise<Creds> {
  const r = await agentGet(agentUrl, TOKEN);
  if (r.status !== 200) throw new Error(`agent ${r.status}: ${r.body}`);
  const j = JSON.parse(r.body);
  return { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
}

t.test('form decoding: query members, maps, structures; ec2 lists with plural aliases', async (t) => {
  const q = decodeForm('Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Ax&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&Tags.member.2.Value=2&TransitiveTagKeys.member.1=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Outer.Inner=x');
  t.equal(q.action, 'AssumeRole');
  t.equal(q.version, '2011-06-15');
  t.same(q.params, { RoleArn: 'arn:x', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], TransitiveTagKeys: ['a'], Attributes: { k: 'v' }, Outer: { Inner: 'x' } });
  const rds = decodeForm('Action=DescribeDBInstances&Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=postgres', { itemNames: { Filters: 'Filter', Values: 'Value' } });
  t.same(rds.params, { Filters: [{ Name: 'engine', Values: ['postgres'] }] });
  const ec2 = decodeForm('Action=DescribeSecurityGroups&GroupId.1=sg-1&GroupId.2=sg-2&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-0a1', { ec2: true });
  t.same(ec2.params.GroupIds, ['sg-1', 'sg-2']);
  t.same(ec2.params.GroupId, ['sg-1', 'sg-2']);
  t.same(ec2.params.Filters, [{ Name: 'vpc-id', Value: ['vpc-0a1'], Values: ['vpc-0a1'] }]);
});

t.test('ec2Wire: DescribeX JSON to EC2 element names, context-dependent renames', async (t) => {
  const wire = ec2Wire({
    SecurityGroups: [{ GroupId: 'sg-1', Description: 'db', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-2' }], IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'vpc' }] }], Tags: [{ Key: 'n', Value: 'v' }] }],
  }) as any;
  t.ok(wire.securityGroupInfo, 'SecurityGroups -> securityGroupInfo');
  const sg = wire.securityGroupInfo[0];
  t.equal(sg.groupDescription, 'db', 'a group\'s Description is groupDescription');
  t.equal(sg.ipPermissions[0].groups[0].groupId, 'sg-2', 'UserIdGroupPairs -> groups');
  t.equal(sg.ipPermissions[0].ipRanges[0].description, 'vpc', 'an IpRange\'s Description stays description');
  t.equal(sg.tagSet[0].key, 'n');
  t.same(ec2Wire({ Vpcs: [{ VpcId: 'v' }] }, { Vpcs: 'customSet' }), { customSet: [{ vpcId: 'v' }] }, 'override table wins');
});

t.test('SigV4: an independent signer\'s request verifies; tampering does not', async (t) => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const signer = new SignatureV4({ service: 'eks', region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret }, sha256: NodeSha256 as any });
  const body = '{"a":1}';
  const signed: { headers: Record<string, string>; query?: Record<string, string>; path: string } = await signer.sign({
    method: 'POST', protocol: 'https:', hostname: 'eks.us-east-1.amazonaws.com', path: '/clusters/prod%20cluster/pod-identity-associations',
    query: { maxResults: '5', nextToken: 'a/b+c=' }, headers: { host: 'eks.us-east-1.amazonaws.com', 'content-type': 'application/json' }, body,
  } as any) as any;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
  const qs = Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  const url = `${signed.path}?${qs}`;
  const auth = parseAuthorization(headers.authorization);
  if (isFailure(auth)) { t.fail('unparsed'); return; }
  t.equal(auth.service, 'eks');
  t.equal(verifySignature({ method: 'POST', url, headers, body: Buffer.from(body) }, auth, secret), undefined, 'verifies');
  t.equal(verifySignature({ method: 'POST', url, headers, body: Buffer.from('{"a":2}') }, auth, secret)?.kind, 'mismatch', 'body changed');
  t.equal(verifySignature({ method: 'POST', url, headers, body: Buffer.from(body) }, auth, secret + 'x')?.kind, 'mismatch', 'other secret');
  t.equal(verifySignature({ method: 'POST', url: url.replace('maxResults=5', 'maxResults=6'), headers, body: Buffer.from(body) }, auth, secret)?.kind, 'mismatch', 'query changed');
  const unsigned = { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  t.equal(verifySignature({ method: 'POST', url, headers: unsigned, body: Buffer.from(body) }, auth, secret)?.kind, 'mismatch', 'declared payload hash is part of the signature');
});

t.test('protocols through the real SDK clients, and authentication failures as AWS words them', async (t) => {
  const sgModule: ServiceModule = {
    signingName: 'ec2', protocol: 'ec2',
    operations: {
      DescribeSecurityGroups: (req) => ({
        SecurityGroups: [{ GroupId: req.params.GroupIds?.[0] ?? 'sg-none', GroupName: 'db', Description: 'db group', VpcId: 'vpc-0a1',
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-0c1a5', UserId: ACCOUNT }], IpRanges: [], Ipv6Ranges: [], PrefixListIds: [] }],
          IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], Tags: [{ Key: 'Name', Value: 'db' }] }],
      }),
    },
  };
  const eksModule: ServiceModule = {
    signingName: 'eks', protocol: 'rest-json', routes: { 'GET /clusters/{name}': 'DescribeCluster' },
    operations: {
      DescribeCluster: (req) => {
        if (req.params.name !== 'prod') throw new AwsFault('ResourceNotFoundException', `No cluster found for name: ${req.params.name}.`, 404);
        return { cluster: { name: 'prod', arn: 'arn:x', createdAt: new Date(1700000000000), resourcesVpcConfig: { vpcId: 'vpc-0a1', securityGroupIds: ['sg-1'] } } };
      },
    },
  };
  const redshiftModule: ServiceModule = {
    signingName: 'redshift', protocol: 'query', xmlNamespace: 'http://redshift.amazonaws.com/doc/2012-12-01/',
    listItemNames: { Clusters: 'Cluster', VpcSecurityGroups: 'VpcSecurityGroup' },
    operations: {
      DescribeClusters: async (req, sc) => {
        await sc.require({ caller: req.caller, action: 'redshift:DescribeClusters', resource: `arn:aws:redshift:us-east-1:${ACCOUNT}:cluster:analytics` });
        return { Clusters: [{ ClusterIdentifier: 'analytics', Endpoint: { Address: 'a.example', Port: 5439 }, VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0rs01', Status: 'active' }] }] };
      },
    },
  };
  const s = await startLoopbackStandin(makeWorld(), [sgModule, eksModule, redshiftModule]);
  t.teardown(() => s.close());
  const harness = s.harnessCredentials;

  const ec2 = new EC2Client(clientConfig(s, harness));
  const sgs = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0rs01'] }));
  t.equal(sgs.SecurityGroups[0].GroupId, 'sg-0rs01', 'ec2 list input GroupId.N decoded, output parsed');
  t.equal(sgs.SecurityGroups[0].Description, 'db group');
  t.equal(sgs.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId, 'sg-0c1a5');
  t.equal(sgs.SecurityGroups[0].IpPermissionsEgress[0].IpRanges[0].CidrIp, '0.0.0.0/0');
  t.equal(sgs.SecurityGroups[0].Tags[0].Value, 'db');

  const eks = new EKSClient(clientConfig(s, harness));
  const cluster = await eks.send(new DescribeClusterCommand({ name: 'prod' }));
  t.equal(cluster.cluster.resourcesVpcConfig.vpcId, 'vpc-0a1', 'rest-json route + body');
  t.equal(cluster.cluster.createdAt.getTime(), 1700000000000, 'timestamps as epoch seconds');
  const missing = await eks.send(new DescribeClusterCommand({ name: 'nope' })).catch((e: any) => e);
  t.equal(missing.name, 'ResourceNotFoundException');
  t.equal(missing.$metadata.httpStatusCode, 404);
  t.equal(missing.message, 'No cluster found for name: nope.');

  const pod = await podCreds(s.agentUrl);
  const redshift = new RedshiftClient(clientConfig(s, pod));
  const denied = await redshift.send(new DescribeClustersCommand({})).catch((e: any) => e);
  t.equal(denied.name, 'AccessDenied', 'query error body parsed');
  t.match(denied.message, /^User: arn:aws:sts::111122223333:assumed-role\/ai-gateway\/eks-prod-ai-gateway-6d9f7-abcde-[0-9a-f-]+ is not authorized to perform: redshift:DescribeClusters on resource: arn:aws:redshift:us-east-1:111122223333:cluster:analytics because no identity-based policy allows the redshift:DescribeClusters action$/);
  const rsHarness = await new RedshiftClient(clientConfig(s, harness)).send(new DescribeClustersCommand({}));
  t.equal(rsHarness.Clusters[0].VpcSecurityGroups[0].VpcSecurityGroupId, 'sg-0rs01', 'custom list item names');
  const log = s.requests.find((r) => r.operation === 'DescribeClusters' && r.decision === 'deny');
  t.ok(log, 'denial logged');
  t.match(log!.reason, /ImplicitlyDenied/);
  t.ok(s.requests.filter((r) => r.harness).length >= 3, 'harness calls logged apart');

  const sts = (c: Creds) => new STSClient(clientConfig(s, c));
  const who = await sts(pod).send(new GetCallerIdentityCommand({}));
  t.equal(who.Account, ACCOUNT);
  t.equal(who.UserId?.split(':')[0], 'AROAEXAMPLEGATEWAY01');

  const unknown = await sts({ accessKeyId: 'ASIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40), sessionToken: 't' }).send(new GetCallerIdentityCommand({})).catch((e: any) => e);
  t.equal(unknown.name, 'InvalidClientTokenId');
  t.equal(unknown.message, 'The security token included in the request is invalid.');
  t.equal(unknown.$metadata.httpStatusCode, 403);
  const badSecret = await sts({ ...pod, secretAccessKey: pod.secretAccessKey.slice(1) + 'A' }).send(new GetCallerIdentityCommand({})).catch((e: any) => e);
  t.equal(badSecret.name, 'SignatureDoesNotMatch');
  t.match(badSecret.message, /^The request signature we calculated does not match the signature you provided/);
  const badToken = await sts({ ...pod, sessionToken: 'forged' }).send(new GetCallerIdentityCommand({})).catch((e: any) => e);
  t.equal(badToken.name, 'InvalidClientTokenId');

  const sm = new SecretsManagerClient(clientConfig(s, { accessKeyId: 'ASIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40), sessionToken: 't' }));
  const smErr = await sm.send(new ListSecretsCommand({})).catch((e: any) => e);
  t.equal(smErr.name, 'UnrecognizedClientException', 'json protocol auth error');
  t.equal(smErr.$metadata.httpStatusCode, 400);
  const ec2Unknown = await new EC2Client(clientConfig(s, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) })).send(new DescribeSecurityGroupsCommand({})).catch((e: any) => e);
  t.equal(ec2Unknown.name, 'AuthFailure', 'ec2 error body parsed');
  t.equal(ec2Unknown.message, 'AWS was not able to validate the provided access credentials');

  t.ok(s.issued.some((c) => c.accessKeyId === pod.accessKeyId && c.via === 'pod-identity'), 'issued lists the agent\'s credentials');
});

t.test('expired session: ExpiredToken', async (t) => {
  const s = await startLoopbackStandin(makeWorld());
  t.teardown(() => s.close());
  const entry = (s as any).router.deps.store.issue({
    kind: 'assumed-role', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ai-gateway/old`, roleArn: ROLE_ARN, roleId: 'AROAEXAMPLEGATEWAY01', accountId: ACCOUNT,
    sessionName: 'old', tags: {}, transitiveTagKeys: [], via: 'assume-role', chained: true, expiration: new Date(Date.now() - 1000),
  });
  const err = await new STSClient(clientConfig(s, entry)).send(new GetCallerIdentityCommand({})).catch((e: any) => e);
  t.equal(err.name, 'ExpiredToken');
  t.equal(err.message, 'The security token included in the request is expired');
});

t.test('Pod Identity agent: modes and token checks in the agent\'s words', async (t) => {
  const cases: Array<{ name: string; world: any; token?: string; status: number; body: RegExp | string }> = [
    { name: 'running', world: makeWorld(), status: 200, body: /"AccessKeyId":"ASIA[A-Z2-7]{16}"/ },
    { name: 'empty token', world: makeWorld(), token: '', status: 400, body: 'Service account token cannot be empty\n' },
    { name: 'malformed token', world: makeWorld(), token: 'this-is-not-a-jwt', status: 400, body: 'Service account token cannot be parsed: token is malformed: token contains an invalid number of segments\n' },
    { name: 'expired token', world: makeWorld(), token: podToken({ namespace: 'xpander', serviceAccount: 'ai-gateway', exp: Math.floor(Date.now() / 1000) - 60 }), status: 400, body: 'Service account token failed basic claim validations: token has invalid claims: token is expired\n' },
    { name: 'throttled', world: makeWorld({ pod: { agent: 'throttled' } }), status: 429, body: 'Too Many Requests\n' },
    { name: 'invalid-host', world: makeWorld({ pod: { agent: 'invalid-host' } }), status: 403, body: /^Access Denied\. Called agent through invalid address, please use either \[169\.254\.170\.23 fd00:ec2::23\] address not / },
    { name: 'no association', world: makeWorld({ association: { serviceAccount: 'other' } }), status: 404, body: /^\[[0-9a-f-]+\]: \(ResourceNotFoundException\): / },
    { name: 'trust without TagSession (C06)', world: makeWorld({ trust: [{ ...podIdentityStatement, Action: 'sts:AssumeRole' }, selfStatement] }), status: 400, body: new RegExp(`^\\[[0-9a-f-]+\\]: \\(AccessDeniedException\\): ${EKS_AUTH_ACCESS_DENIED.replace(/[.!]/g, '\\$&')}, fault: client\\n$`) },
    { name: 'tag session disabled: AssumeRole alone is enough', world: makeWorld({ trust: [{ ...podIdentityStatement, Action: 'sts:AssumeRole' }], association: { disableSessionTags: true } }), status: 200, body: /"Token"/ },
    { name: 'wrong namespace condition (C07)', world: makeWorld({ trust: [{ ...podIdentityStatement, Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'other' } } }] }), status: 400, body: /\(AccessDeniedException\)/ },
    { name: 'namespace condition that matches', world: makeWorld({ trust: [{ ...podIdentityStatement, Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'xpander', 'aws:SourceAccount': ACCOUNT } } }] }), status: 200, body: /"AccountId":"111122223333"/ },
    { name: 'association-ARN SourceArn condition (C08)', world: makeWorld({ trust: [{ ...podIdentityStatement, Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/prod/*` } } }] }), status: 400, body: /\(AccessDeniedException\)/ },
    { name: 'IRSA-only trust (C12)', world: makeWorld({ trust: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X` }, Action: 'sts:AssumeRoleWithWebIdentity' }] }), status: 400, body: /\(AccessDeniedException\)/ },
    { name: 'legacy-500', world: makeWorld({ pod: { agent: 'legacy-500' }, trust: [{ ...podIdentityStatement, Action: 'sts:AssumeRole' }] }), status: 500, body: new RegExp(`AccessDeniedException\\): ${EKS_AUTH_ACCESS_DENIED.replace(/[.!]/g, '\\$&')}, fault: client`) },
  ];
  for (const c of cases) {
    const s = await startLoopbackStandin(c.world);
    try {
      const r = await agentGet(s.agentUrl, c.token ?? TOKEN, '169.254.170.23');
      t.equal(r.status, c.status, `${c.name}: status`);
      if (typeof c.body === 'string') t.equal(r.body, c.body, `${c.name}: body`); else t.match(r.body, c.body, `${c.name}: body`);
      const entry = s.requests.find((e) => e.service === 'pod-identity-agent');
      t.equal(entry?.httpStatus, c.status, `${c.name}: logged`);
    } finally {
      await s.close();
    }
  }
});

t.test('Pod Identity session: name, six transitive tags, targetRoleArn chaining', async (t) => {
  const target = `arn:aws:iam::${ACCOUNT}:role/target`;
  const world = makeWorld({
    association: { targetRoleArn: target, externalId: 'ext-1' },
    extraRoles: [{
      RoleName: 'target', Arn: target, RoleId: 'AROAEXAMPLETARGET001',
      // sts:ExternalId is not in sts:TagSession's request context, so TagSession gets its own statement
      // (as EKS's target-role example does).
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } } },
        { Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: 'sts:TagSession' },
      ] },
      RolePolicyList: [], AttachedManagedPolicies: [],
    }],
  });
  const s = await startLoopbackStandin(world);
  t.teardown(() => s.close());
  const creds = await podCreds(s.agentUrl);
  const who = await new STSClient(clientConfig(s, creds)).send(new GetCallerIdentityCommand({}));
  t.match(who.Arn, /^arn:aws:sts::111122223333:assumed-role\/target\/eks-prod-ai-gateway-6d9f7-abcde-[0-9a-f-]+$/);
  t.ok(who.Arn!.split('/')[2].length <= 64, 'session name at most 64');
  const principal = (s as any).router.deps.store.get(creds.accessKeyId).principal;
  t.same(Object.keys(principal.tags).sort(), ['eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-pod-name', 'kubernetes-pod-uid', 'kubernetes-service-account']);
  t.same([...principal.transitiveTagKeys].sort(), Object.keys(principal.tags).sort(), 'all six transitive');
  t.equal(principal.tags['kubernetes-namespace'], 'xpander');
  t.equal(principal.chained, true, 'the target session is chained');
});

t.test('IMDS: node-role answers with the node role; blocked never answers', async (t) => {
  const s = await startLoopbackStandin(makeWorld({ pod: { imds: 'node-role' } }));
  t.teardown(() => s.close());
  const token = await (await fetch(s.imdsUrl + '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } })).text();
  t.ok(token.length > 20, 'token');
  const h = { 'x-aws-ec2-metadata-token': token };
  const roleName = await (await fetch(s.imdsUrl + '/latest/meta-data/iam/security-credentials/', { headers: h })).text();
  t.equal(roleName, 'eks-node');
  const c = await (await fetch(s.imdsUrl + `/latest/meta-data/iam/security-credentials/${roleName}`, { headers: h })).json() as any;
  t.equal(c.Code, 'Success');
  const who = await new STSClient(clientConfig(s, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token })).send(new GetCallerIdentityCommand({}));
  t.match(who.Arn, /^arn:aws:sts::111122223333:assumed-role\/eks-node\/i-0[0-9a-f]{16}$/);
  t.equal((await fetch(s.imdsUrl + '/latest/meta-data/iam/security-credentials/', { headers: { 'x-aws-ec2-metadata-token': 'forged' } })).status, 401);
  t.equal(NODE_ROLE_ARN.endsWith('/eks-node'), true);

  const b = await startLoopbackStandin(makeWorld({ pod: { imds: 'blocked' } }));
  t.teardown(() => b.close());
  const answered = await fetch(b.imdsUrl + '/latest/api/token', { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, signal: AbortSignal.timeout(700) })
    .then(() => true, () => false);
  t.equal(answered, false, 'the token PUT gets no answer');
  t.ok(b.requests.some((r) => r.service === 'imds' && r.errorCode === 'NoAnswer'), 'the unanswered request is logged');
});

t.test('plain hosts and unknown operations', async (t) => {
  const s = await startLoopbackStandin(makeWorld({ trust: [platformStatement] }));
  t.teardown(() => s.close());
  const get = (host: string, path: string) => new Promise<number>((resolve, reject) => {
    const req = (require_https()).request({ host: '127.0.0.1', port: s.ports.https, path, servername: 'localhost', headers: { host }, ca: s.tls.ca }, (res: any) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
  t.equal(await get('api.powerbi.com', '/'), 200);
  t.equal(await get('login.microsoftonline.com', '/nothing'), 404);
});

function require_https() {
  return coreRequire('node:https');
}

t.test('AccessDenied wording follows the policy that denied (JSON protocol)', async (t) => {
  const probe: ServiceModule = {
    signingName: 'secretsmanager', protocol: 'json',
    operations: {
      GetSecretValue: async (req, sc) => {
        await sc.require({ caller: req.caller, action: 'secretsmanager:GetSecretValue', resource: req.params.SecretId });
        return { ARN: req.params.SecretId, Name: 'x', SecretString: 'not-a-real-secret' };
      },
    },
  };
  const secret = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:gw/prod/x-AbCdEf`;
  const allow = { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret };
  const rows: Array<{ name: string; world: Parameters<typeof makeWorld>[0]; suffix: string | null }> = [
    { name: 'allowed', world: { permissions: [selfPermission, allow] }, suffix: null },
    { name: 'no identity policy', world: {}, suffix: ' because no identity-based policy allows the secretsmanager:GetSecretValue action' },
    { name: 'explicit identity deny', world: { permissions: [allow, { Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }] }, suffix: ' with an explicit deny in an identity-based policy' },
    { name: 'explicit SCP deny', world: { permissions: [allow], scps: [{ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] }] }, suffix: ' with an explicit deny in a service control policy' },
    { name: 'boundary', world: { permissions: [allow], boundary: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] } }, suffix: ' because no permissions boundary allows the secretsmanager:GetSecretValue action' },
  ];
  const { SecretsManagerClient: SM, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  for (const row of rows) {
    const s = await startLoopbackStandin(makeWorld(row.world), [probe]);
    try {
      const pod = await podCreds(s.agentUrl);
      // extraModules come after the registered ones, so this probe module answers for secretsmanager here.
      const client = new SM(clientConfig(s, pod));
      const out = await client.send(new GetSecretValueCommand({ SecretId: secret })).then((r) => ({ r }), (e: any) => ({ e }));
      if (row.suffix === null) { t.ok('r' in out, `${row.name}: allowed`); continue; }
      if (!('e' in out)) { t.fail(`${row.name}: expected a denial`); continue; }
      t.equal(out.e.name, 'AccessDeniedException', `${row.name}: code`);
      t.equal(out.e.$metadata.httpStatusCode, 400, `${row.name}: status`);
      t.match(out.e.message, new RegExp(`^User: arn:aws:sts::111122223333:assumed-role/ai-gateway/eks-prod-[\\w-]+ is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.replace(/[/.]/g, '\\$&')}${row.suffix.replace(/[.:]/g, '\\$&')}$`), `${row.name}: message`);
    } finally {
      await s.close();
    }
  }
});
