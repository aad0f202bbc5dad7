// Property tests (fast-check) over the pure analyzers and the parsers of what AWS and the agent send back: for any
// input — well-formed policies and security groups with odd values, and arbitrary JSON where a document should be —
// they never throw, and they are deterministic (the same input gives the same findings).
// CI runs FUZZ_RUNS (default 1,000) per property; a nightly-sized run sets FUZZ_RUNS=100000
// (`FUZZ_RUNS=100000 pnpm exec tap --disable-coverage test/fuzz/analyzers.test.ts`).
import t from 'tap';
import fc from 'fast-check';
import { analyzeTrust } from '../../packages/core/src/analyze/trust.ts';
import { analyzePermissions, analyzeKmsDecrypt } from '../../packages/core/src/analyze/permissions.ts';
import { analyzeSecurityGroups } from '../../packages/core/src/analyze/security-groups.ts';
import { analyzePath } from '../../packages/core/src/analyze/path.ts';
import { classifyAgentExchange, classifyAssumeRoleError } from '../../packages/core/src/probes/identity/classify.ts';
import { classifyAwsError } from '../../packages/core/src/aws/errors.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const ROLE = 'arn:aws:iam::111122223333:role/ai-gateway';
const contract = {
  roleArn: ROLE,
  platformAccountId: '999988887777',
  organizationId: 'org-7f3a9c',
  region: 'us-east-1',
  clusterName: 'prod',
  namespace: 'xpander',
  serviceAccount: 'ai-gateway',
  secrets: ['arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-AbCdEf'],
  sessionTags: { 'gateway-doctor': 'probe' },
};

// ---- IAM policy documents: the grammar's parts with realistic and hostile values ----
const principal = fc.oneof(
  fc.constant('*'),
  fc.constantFrom(ROLE, 'arn:aws:iam::111122223333:root', '111122223333', 'arn:aws:iam::999988887777:root', 'AROAEXAMPLEGATEWAY01', 'arn:aws:iam::111122223333:role/*', ''),
  fc.record({ AWS: fc.oneof(fc.constantFrom(ROLE, '*', 'arn:aws:iam::999988887777:root'), fc.array(fc.constantFrom(ROLE, '111122223333', 'x'), { maxLength: 3 })) }),
  fc.record({ Service: fc.oneof(fc.constantFrom('pods.eks.amazonaws.com', 'ec2.amazonaws.com'), fc.array(fc.string(), { maxLength: 2 })) }),
  fc.record({ Federated: fc.string() }),
  fc.anything(),
);
const action = fc.oneof(
  fc.constantFrom('sts:AssumeRole', 'sts:TagSession', 'sts:*', '*', 'STS:assumerole', 'secretsmanager:GetSecretValue', 'kms:Decrypt', 'sts:Assume*', 's?s:*'),
  fc.array(fc.constantFrom('sts:AssumeRole', 'sts:TagSession', 'iam:*', 'secretsmanager:*'), { maxLength: 4 }),
  fc.string(),
);
const conditionValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.boolean(), fc.integer(), fc.constant(null));
const condition = fc.dictionary(
  fc.constantFrom('StringEquals', 'StringLike', 'StringEqualsIfExists', 'ArnLike', 'ArnEquals', 'Bool', 'Null', 'NumericLessThan', 'ForAnyValue:StringEquals', 'ForAllValues:StringLike', 'Bogus', 'StringNotEquals'),
  fc.dictionary(fc.constantFrom('sts:ExternalId', 'aws:PrincipalArn', 'aws:RequestTag/kubernetes-namespace', 'aws:SourceAccount', 'aws:SourceArn', 'aws:TagKeys', 'aws:SecureTransport', 'kms:ViaService', 'x'), conditionValue, { maxKeys: 3 }),
  { maxKeys: 3 },
);
const statement = fc.record(
  {
    Sid: fc.string(),
    Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
    Principal: principal,
    NotPrincipal: principal,
    Action: action,
    NotAction: action,
    Resource: fc.oneof(fc.constantFrom('*', ROLE, 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw/prod/snowflake-??????', 'arn:aws:kms:us-east-1:111122223333:key/*'), fc.array(fc.string(), { maxLength: 2 })),
    NotResource: fc.string(),
    Condition: condition,
  },
  { requiredKeys: ['Effect'] },
);
const document = fc.oneof(
  { weight: 6, arbitrary: fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17', ''), Statement: fc.oneof(fc.array(statement, { maxLength: 5 }), statement) }, { requiredKeys: ['Statement'] }) },
  { weight: 1, arbitrary: fc.anything() },
  { weight: 1, arbitrary: fc.json() },
);

/** Runs fn twice on the same input: it must not throw and must give the same JSON both times. */
function stable<T>(fn: () => T): boolean {
  const a = JSON.stringify(fn());
  const b = JSON.stringify(fn());
  return a === b;
}

t.test('trust analysis: never throws, deterministic', async (t) => {
  fc.assert(fc.property(document, (doc) => stable(() => analyzeTrust(doc, contract))), { numRuns: RUNS });
  t.pass(`${RUNS} generated trust policies`);
});

t.test('permission analysis (inline, managed, boundary, SCP): never throws, deterministic', async (t) => {
  const kinds = fc.constantFrom('inline', 'managed') as fc.Arbitrary<'inline' | 'managed'>;
  const inputs = fc.record({
    identity: fc.array(fc.record({ kind: kinds, name: fc.string(), document }), { maxLength: 3 }),
    boundary: fc.option(document),
    scp: fc.option(document),
    admission: fc.constantFrom('direct', 'account-root', 'none', 'unknown'),
  });
  fc.assert(
    fc.property(inputs, (i) =>
      stable(() =>
        analyzePermissions(
          {
            identityPolicies: i.identity,
            ...(i.boundary !== null ? { boundary: { kind: 'boundary', name: 'b', document: i.boundary } } : {}),
            ...(i.scp !== null ? { scps: [{ kind: 'scp', name: 's', document: i.scp }] } : {}),
            selfAdmission: i.admission as never,
          },
          contract,
        ),
      ),
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} generated permission sets`);
});

t.test('kms:Decrypt analysis: never throws, deterministic', async (t) => {
  const key = 'arn:aws:kms:us-east-1:111122223333:key/1f2e3d4c-0000-0000-0000-000000000001';
  fc.assert(
    fc.property(document, fc.array(document, { maxLength: 2 }), (keyPolicy, identity) =>
      stable(() => analyzeKmsDecrypt(keyPolicy, identity, ROLE, key, { region: 'us-east-1', secretArn: contract.secrets[0] })),
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} generated key policies`);
});

// ---- EC2 documents ----
const groupId = fc.constantFrom('sg-0c1a5', 'sg-0rs01', 'sg-0n0de', 'sg-other', '');
const cidr = fc.oneof(fc.constantFrom('10.0.0.0/16', '10.0.3.17/32', '0.0.0.0/0', '10.0.8.0/24', '::/0', 'not-a-cidr', '10.0.0.0/33'), fc.string());
const port = fc.oneof(fc.integer({ min: -1, max: 65535 }), fc.constant(undefined));
const permission = fc.record(
  {
    IpProtocol: fc.constantFrom('tcp', 'udp', '-1', '6', 'icmp', 'all', ''),
    FromPort: port,
    ToPort: port,
    UserIdGroupPairs: fc.array(fc.record({ GroupId: groupId, VpcId: fc.constantFrom('vpc-a', 'vpc-b'), UserId: fc.constantFrom('111122223333', '222233334444') }, { requiredKeys: [] }), { maxLength: 2 }),
    IpRanges: fc.array(fc.record({ CidrIp: cidr }), { maxLength: 2 }),
    Ipv6Ranges: fc.array(fc.record({ CidrIpv6: cidr }), { maxLength: 1 }),
    PrefixListIds: fc.array(fc.record({ PrefixListId: fc.constantFrom('pl-01', 'pl-missing') }), { maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const securityGroup = fc.record({
  GroupId: groupId,
  VpcId: fc.constantFrom('vpc-a', 'vpc-b'),
  IpPermissions: fc.array(permission, { maxLength: 3 }),
  IpPermissionsEgress: fc.array(permission, { maxLength: 2 }),
});
const route = fc.record(
  {
    DestinationCidrBlock: cidr,
    GatewayId: fc.constantFrom('local', 'igw-1', undefined),
    NatGatewayId: fc.constantFrom('nat-1', undefined),
    VpcPeeringConnectionId: fc.constantFrom('pcx-ab', undefined),
    TransitGatewayId: fc.constantFrom('tgw-1', undefined),
    State: fc.constantFrom('active', 'blackhole', undefined),
  },
  { requiredKeys: [] },
);
const naclEntry = fc.record({
  RuleNumber: fc.integer({ min: 1, max: 32767 }),
  Protocol: fc.constantFrom('-1', '6', '17'),
  RuleAction: fc.constantFrom('allow', 'deny'),
  Egress: fc.boolean(),
  CidrBlock: cidr,
  PortRange: fc.option(fc.record({ From: fc.integer({ min: 0, max: 65535 }), To: fc.integer({ min: 0, max: 65535 }) }), { nil: undefined }),
});
const networkDocs = fc.record({
  vpcs: fc.constant([{ VpcId: 'vpc-a', CidrBlock: '10.0.0.0/16' }, { VpcId: 'vpc-b', CidrBlock: '10.1.0.0/16' }]),
  subnets: fc.constant([
    { SubnetId: 'subnet-pod', VpcId: 'vpc-a', CidrBlock: '10.0.0.0/20' },
    { SubnetId: 'subnet-db', VpcId: 'vpc-a', CidrBlock: '10.0.8.0/24' },
    { SubnetId: 'subnet-b', VpcId: 'vpc-b', CidrBlock: '10.1.8.0/24' },
  ]),
  securityGroups: fc.array(securityGroup, { maxLength: 4 }),
  routeTables: fc.array(fc.record({ RouteTableId: fc.constantFrom('rtb-1', 'rtb-2'), VpcId: fc.constantFrom('vpc-a', 'vpc-b'), Associations: fc.constantFrom([{ Main: true }], [{ SubnetId: 'subnet-pod' }], []), Routes: fc.array(route, { maxLength: 4 }) }), { maxLength: 3 }),
  networkAcls: fc.array(fc.record({ NetworkAclId: fc.constant('acl-1'), VpcId: fc.constantFrom('vpc-a', 'vpc-b'), Associations: fc.constantFrom([{ SubnetId: 'subnet-db' }], [{ SubnetId: 'subnet-pod' }]), Entries: fc.array(naclEntry, { maxLength: 4 }) }), { maxLength: 2 }),
  peerings: fc.array(fc.record({ VpcPeeringConnectionId: fc.constant('pcx-ab'), Status: fc.record({ Code: fc.constantFrom('active', 'pending-acceptance', 'deleted') }), RequesterVpcInfo: fc.record({ VpcId: fc.constant('vpc-a') }), AccepterVpcInfo: fc.record({ VpcId: fc.constant('vpc-b') }) }), { maxLength: 1 }),
  prefixLists: fc.constant([{ PrefixListId: 'pl-01', Entries: [{ Cidr: '10.0.0.0/16' }] }]),
});
const address = fc.constantFrom('10.0.8.12', '10.1.8.12', '203.0.113.5', 'not-an-ip', '');

t.test('security-group analysis: never throws, deterministic', async (t) => {
  fc.assert(
    fc.property(networkDocs, fc.array(groupId, { maxLength: 2 }), fc.array(groupId, { maxLength: 2 }), port, address, fc.constantFrom('none', 'node-snat', 'nat-gateway'), (docs, src, dst, p, addr, translation) =>
      stable(() =>
        analyzeSecurityGroups(
          docs as never,
          { ip: '10.0.3.17', groupIds: src, vpcId: 'vpc-a', basis: 'fuzz', translation: translation as never },
          { name: 'db', port: typeof p === 'number' ? p : 5439, groupIds: dst, vpcId: 'vpc-a', addresses: [addr], region: 'us-east-1' },
        ),
      ),
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} generated security-group setups`);
});

t.test('path analysis (routes, peering, NACLs): never throws, deterministic', async (t) => {
  fc.assert(
    fc.property(networkDocs, address, (docs, addr) =>
      stable(() => analyzePath(docs as never, { podIp: '10.0.3.17', replyIp: '10.0.3.17', subnetId: 'subnet-pod', vpcId: 'vpc-a' }, { name: 'db', port: 5439, addresses: [addr], region: 'us-east-1' })),
    ),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} generated network layouts`);
});

// ---- what AWS and the agent send back ----
t.test('the agent answer and STS error parsers: never throw, deterministic', async (t) => {
  const agentBody = fc.oneof(
    fc.string(),
    fc.json(),
    fc.constantFrom(
      '[x]: (AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client',
      'Service account token cannot be empty',
      '{"AccessKeyId":"ASIA","SecretAccessKey":"s","Token":"t","Expiration":"2026-12-03T00:00:00Z"}',
      '{"AccessKeyId":',
    ),
  );
  const exchange = fc.oneof(
    fc.record({ kind: fc.constant('response' as const), status: fc.integer({ min: 0, max: 999 }), body: agentBody, elapsedMs: fc.nat() }),
    fc.record({ kind: fc.constant('transport' as const), phase: fc.constantFrom('connect', 'response'), errorCode: fc.constantFrom('ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'RESPONSE_TIMEOUT', 'X'), message: fc.string(), elapsedMs: fc.nat() }),
  );
  fc.assert(fc.property(exchange, (x) => stable(() => classifyAgentExchange(x as never))), { numRuns: RUNS });
  const stsError = fc.record({
    kind: fc.constantFrom('denied', 'client', 'throttled', 'server', 'malformed'),
    awsCode: fc.oneof(fc.constantFrom('AccessDenied', 'ValidationError', 'PackedPolicyTooLarge', 'InvalidParameterValue', 'RegionDisabledException'), fc.string()),
    message: fc.oneof(fc.string(), fc.constantFrom('User: x is not authorized to perform: sts:TagSession on resource: y', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.')),
    httpStatus: fc.integer({ min: 100, max: 599 }),
  });
  fc.assert(fc.property(stsError, fc.constantFrom('self', 'tags'), (e, mode) => stable(() => classifyAssumeRoleError(e as never, mode as never) ?? null)), { numRuns: RUNS });
  // Found by this property at 20,000 runs: a thrown object whose `name` is not a string crashed the classifier.
  for (const odd of [{ name: 0 }, { name: {}, message: 7 }, { $metadata: { httpStatusCode: 'x', requestId: 5 } }]) {
    t.doesNotThrow(() => classifyAwsError(odd, 'sts', 'GetCallerIdentity'), JSON.stringify(odd));
  }
  fc.assert(fc.property(fc.anything(), (err) => stable(() => classifyAwsError(err, 'secretsmanager', 'GetSecretValue'))), { numRuns: RUNS });
  t.pass(`${RUNS} generated agent answers, STS errors and SDK errors`);
});
