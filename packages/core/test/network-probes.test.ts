// The network probes over a fake AWS (documents in PascalCase, as the SDK returns them) and the net/ layer on
// loopback (127.0.0.1 only): laptop mode says which source it reasons from, a TCP timeout carries the static
// findings as causes, services.redshift publishes what the network probes read, and socket outcomes classify.
import t from 'tap';
import net from 'node:net';
import type { Config, Outcome, ProbeContext, ResultsView } from '../src/types.ts';
import { AwsCallError } from '../src/aws/errors.ts';
import * as securityGroups from '../src/probes/network/security-groups.ts';
import * as path from '../src/probes/network/path.ts';
import * as tcp from '../src/probes/network/tcp.ts';
import * as dnsProbe from '../src/probes/network/dns.ts';
import * as redshift from '../src/probes/services/redshift.ts';
import * as rds from '../src/probes/services/rds.ts';
import { probeAddress, classifySocketError } from '../src/net/tcp.ts';
import { classifyResolverError } from '../src/net/dns.ts';
import { externalEndpoints } from '../src/net/endpoints.ts';
import { targetFacts } from '../src/net/targets.ts';

const VPC = 'vpc-0a1', CSG = 'sg-0c1a5', RSG = 'sg-0rs01', NODE_SG = 'sg-0n0de';
function baseConfig(over: Partial<Config> = {}): Config {
  return {
    region: 'us-east-1', roleArn: 'arn:aws:iam::111122223333:role/ai-gateway', platformAccountId: '999988887777', organizationId: 'org-1',
    clusterName: 'prod', secrets: [], targets: [{ name: 'analytics', redshiftClusterId: 'analytics' }], external: ['sts'], athenaWorkGroups: [],
    sessionDurationSeconds: 3600, sessionTags: {}, options: { probeTimeoutMs: 5000, connectTimeoutMs: 500, runTimeoutMs: 60000, concurrency: 4 }, ...over,
  };
}
function docs(redshiftIngress: object[]) {
  return {
    eks: { DescribeCluster: { cluster: { resourcesVpcConfig: { vpcId: VPC, clusterSecurityGroupId: CSG, securityGroupIds: [], subnetIds: ['subnet-01'] } } } },
    redshift: { DescribeClusters: { Clusters: [{ ClusterIdentifier: 'analytics', ClusterStatus: 'available', VpcId: VPC, Endpoint: { Address: 'analytics.x.us-east-1.redshift.amazonaws.com', Port: 5439 }, VpcSecurityGroups: [{ VpcSecurityGroupId: RSG, Status: 'active' }], ClusterNodes: [{ NodeRole: 'SHARED', PrivateIPAddress: '10.0.8.12' }] }] } },
    ec2: {
      DescribeVpcs: { Vpcs: [{ VpcId: VPC, CidrBlock: '10.0.0.0/16' }] },
      DescribeSubnets: { Subnets: [{ SubnetId: 'subnet-01', VpcId: VPC, CidrBlock: '10.0.0.0/20' }, { SubnetId: 'subnet-08', VpcId: VPC, CidrBlock: '10.0.8.0/24' }] },
      DescribeSecurityGroups: { SecurityGroups: [
        { GroupId: CSG, VpcId: VPC, IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
        { GroupId: NODE_SG, VpcId: VPC, IpPermissions: [], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
        { GroupId: RSG, VpcId: VPC, IpPermissions: redshiftIngress, IpPermissionsEgress: [] },
      ] },
      DescribeRouteTables: { RouteTables: [{ RouteTableId: 'rtb-1', VpcId: VPC, Associations: [{ Main: true }], Routes: [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local' }] }] },
      DescribeNetworkAcls: { NetworkAcls: [] },
      DescribeVpcPeeringConnections: { VpcPeeringConnections: [] },
      DescribeTransitGatewayAttachments: { TransitGatewayAttachments: [] },
      DescribeNatGateways: { NatGateways: [] },
      DescribeVpcEndpoints: { VpcEndpoints: [] },
      DescribeNetworkInterfaces: { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', VpcId: VPC, SubnetId: 'subnet-01', PrivateIpAddress: '10.0.3.5', PrivateIpAddresses: [{ PrivateIpAddress: '10.0.3.5' }, { PrivateIpAddress: '10.0.3.17' }], Groups: [{ GroupId: NODE_SG }], Attachment: { InstanceId: 'i-1', DeviceIndex: 0 } }] },
    },
  } as Record<string, Record<string, any>>;
}

function ctxFor(opts: { config?: Config; where?: 'pod' | 'laptop'; subject?: string; outcomes?: Outcome[]; documents?: Record<string, Record<string, any>>; denied?: string[] }): ProbeContext & { calls: string[] } {
  const outcomes = opts.outcomes ?? [];
  const results: ResultsView = {
    get: (id, subject) => outcomes.filter((o) => o.probe === id && (subject === undefined || o.subject === subject)),
    failureCodes: (ids, subject) => [...new Set(outcomes.filter((o) => ids.includes(o.probe) && (subject === undefined || o.subject === subject) && (o.status === 'fail' || o.status === 'warn')).flatMap((o) => [o.code, ...(o.causes ?? [])]))],
  };
  const calls: string[] = [];
  const documents = opts.documents ?? docs([]);
  return {
    calls,
    config: opts.config ?? baseConfig(),
    where: opts.where ?? 'laptop',
    env: {},
    subject: opts.subject ?? 'analytics',
    signal: new AbortController().signal,
    results,
    record: () => {},
    log: () => {},
    aws: {
      async call(service: string, operation: string) {
        calls.push(`${service}:${operation}`);
        if (opts.denied?.includes(`${service}:${operation}`)) throw new AwsCallError({ service: service as never, operation, kind: 'denied', awsCode: 'UnauthorizedOperation', message: 'not authorized' });
        const out = documents[service]?.[operation];
        if (!out) throw new AwsCallError({ service: service as never, operation, kind: 'not-found', awsCode: 'ClusterNotFound', message: 'not found' });
        return structuredClone(out);
      },
      async credentials() { return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }; },
    },
  } as never;
}

function outcome(probe: string, subject: string, f: { code: string; status?: string; evidence?: object; causes?: string[] }): Outcome {
  return { probe, subject, status: (f.status ?? 'pass') as never, code: f.code, evidence: (f.evidence ?? {}) as never, summary: '', durationMs: 1, causes: f.causes };
}

t.test('services.redshift publishes the target for the network probes', async (t) => {
  const f = await redshift.run(ctxFor({}));
  t.equal(f.code, 'OK');
  const facts = targetFacts(ctxFor({ outcomes: [outcome('services.redshift', 'analytics', { code: 'OK', evidence: f.evidence })] }).results, baseConfig().targets[0]!);
  t.equal(facts.host, 'analytics.x.us-east-1.redshift.amazonaws.com');
  t.equal(facts.port, 5439);
  t.same(facts.securityGroupIds, [RSG]);
  t.same(facts.knownAddresses, ['10.0.8.12']);
  const missing = await redshift.run(ctxFor({ config: baseConfig({ targets: [{ name: 'analytics', redshiftClusterId: 'analytcs' }] }), documents: { redshift: {} } }));
  t.equal(missing.code, 'REDSHIFT_NOT_FOUND');
});

t.test('services.rds: instance endpoint → groups and subnets; unknown → RDS_NOT_FOUND', async (t) => {
  const config = baseConfig({ targets: [{ name: 'orders', host: 'orders.c1ab.us-east-1.rds.amazonaws.com', port: 5432 }] });
  const documents = { rds: { DescribeDBInstances: { DBInstances: [{ DBInstanceIdentifier: 'orders', DBInstanceStatus: 'available', Endpoint: { Address: 'orders.c1ab.us-east-1.rds.amazonaws.com', Port: 5432 }, VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-db' }], DBSubnetGroup: { VpcId: VPC, Subnets: [{ SubnetIdentifier: 'subnet-08' }] } }] } } };
  const f = await rds.run(ctxFor({ config, subject: 'orders', documents }));
  t.equal(f.code, 'OK');
  t.same(f.evidence?.securityGroupIds, ['sg-db']);
  t.same(f.evidence?.subnetIds, ['subnet-08']);
  const nf = await rds.run(ctxFor({ config, subject: 'orders', documents: { rds: {} } }));
  t.equal(nf.code, 'RDS_NOT_FOUND');
});

t.test('laptop: --pod-ip finds the ENI; without it the cluster SG, said so', async (t) => {
  const rsOutcome = outcome('services.redshift', 'analytics', { code: 'OK', evidence: (await redshift.run(ctxFor({}))).evidence });
  const rule = [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: CSG }] }];
  // With --pod-ip: the ENI carries the node group's SG, not the cluster SG the rule names.
  const withIp = (await securityGroups.run(ctxFor({ config: baseConfig({ podIp: '10.0.3.17' }), outcomes: [rsOutcome], documents: docs(rule) }))) as any[];
  t.equal(withIp[0].code, 'SG_SOURCE_NOT_CARRIED');
  t.match(withIp[0].summary, /eni-1 holding 10\.0\.3\.17 \(--pod-ip\)/);
  t.match(withIp[0].remedy.commands[0], `--group-id ${RSG} --protocol tcp --port 5439 --source-group ${NODE_SG}`);
  // Without: the cluster SG, which the rule admits — and the summary says what it assumed.
  const without = (await securityGroups.run(ctxFor({ outcomes: [rsOutcome], documents: docs(rule) }))) as any[];
  t.equal(without[0].code, 'OK');
  t.match(without[0].summary, /cluster security group sg-0c1a5 \(laptop without --pod-ip/);
  const p = (await path.run(ctxFor({ outcomes: [rsOutcome], documents: docs(rule) }))) as any[];
  t.equal(p[0].code, 'OK');
});

t.test('static reads denied → READ_DENIED naming the permissions', async (t) => {
  const rsOutcome = outcome('services.redshift', 'analytics', { code: 'OK', evidence: (await redshift.run(ctxFor({}))).evidence });
  const f = (await securityGroups.run(ctxFor({ config: baseConfig({ podIp: '10.0.3.17' }), outcomes: [rsOutcome], denied: ['ec2:DescribeSecurityGroups'] }))) as any;
  t.equal(f.code, 'READ_DENIED');
  t.same(f.evidence.denied, ['ec2:DescribeSecurityGroups']);
});

t.test('network.tcp: a refusal is not explained by security groups (no causes; timeouts with causes: worlds C32–C37)', async (t) => {
  // A port on 127.0.0.1 nothing listens on: refused, never a timeout, and no causes attached.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  const config = baseConfig({ targets: [{ name: 'db', host: 'db.internal', port }] });
  const outcomes = [
    outcome('network.dns', 'db', { code: 'OK', evidence: { addresses: ['127.0.0.1'] } }),
    outcome('network.security-groups', 'db', { code: 'SG_INGRESS_MISSING', status: 'fail' }),
  ];
  const refused = (await tcp.run(ctxFor({ config, subject: 'db', outcomes }))) as any[];
  t.equal(refused[0].code, 'TCP_REFUSED');
  t.equal(refused[0].causes, undefined);
});

t.test('network.dns: an address literal needs no resolver', async (t) => {
  const f = (await dnsProbe.run(ctxFor({ config: baseConfig({ targets: [{ name: 'db', host: '127.0.0.1', port: 1 }] }), subject: 'db', where: 'pod' }))) as any;
  t.equal(f.code, 'OK');
  t.same(f.evidence.addresses, ['127.0.0.1']);
});

t.test('net/tcp on loopback: connected, refused, reset', async (t) => {
  const open = net.createServer(() => {});
  const resetting = net.createServer((s) => s.resetAndDestroy());
  await Promise.all([open, resetting].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
  const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
  t.equal((await probeAddress('127.0.0.1', portOf(open), { timeoutMs: 1000 })).kind, 'connected');
  t.equal((await probeAddress('127.0.0.1', portOf(resetting), { timeoutMs: 1000 })).kind, 'reset');
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = portOf(closed);
  await new Promise((r) => closed.close(r));
  t.equal((await probeAddress('127.0.0.1', closedPort, { timeoutMs: 1000 })).kind, 'refused');
  await Promise.all([open, resetting].map((s) => new Promise((r) => s.close(r))));
});

t.test('classification tables', async (t) => {
  const socket: [string, string][] = [['ECONNREFUSED', 'refused'], ['EHOSTUNREACH', 'host-unreachable'], ['ENETUNREACH', 'net-unreachable'], ['ETIMEDOUT', 'timeout'], ['ECONNRESET', 'reset'], ['EWHATEVER', 'error']];
  for (const [code, kind] of socket) t.equal(classifySocketError(code), kind, code);
  const dns: [string, string][] = [['ENOTFOUND', 'nxdomain'], ['ENODATA', 'nxdomain'], ['ESERVFAIL', 'servfail'], ['EREFUSED', 'servfail'], ['ETIMEOUT', 'timeout'], ['ECONNREFUSED', 'timeout']];
  for (const [code, kind] of dns) t.equal(classifyResolverError(code), kind, code);
  t.same(externalEndpoints({ region: 'eu-west-1', external: ['sts', 'sts-global', 'powerbi'] }).map((e) => `${e.name}=${e.host}`), [
    'sts=sts.eu-west-1.amazonaws.com', 'sts-global=sts.amazonaws.com', 'powerbi-api=api.powerbi.com', 'powerbi-login=login.microsoftonline.com',
  ]);
});

t.test('VPC CNI SNAT: a peered target sees the node, unless external SNAT keeps the pod IP', async (t) => {
  const VPC_B = 'vpc-0b2';
  const documents = docs([]);
  documents.ec2.DescribeVpcs.Vpcs.push({ VpcId: VPC_B, CidrBlock: '10.1.0.0/16' });
  documents.ec2.DescribeSubnets.Subnets.push({ SubnetId: 'subnet-b', VpcId: VPC_B, CidrBlock: '10.1.8.0/24' });
  documents.ec2.DescribeVpcPeeringConnections.VpcPeeringConnections = [{ VpcPeeringConnectionId: 'pcx-1', Status: { Code: 'active' }, RequesterVpcInfo: { VpcId: VPC }, AccepterVpcInfo: { VpcId: VPC_B } }];
  // The data VPC's group admits only the pod's own address.
  documents.ec2.DescribeSecurityGroups.SecurityGroups.push({ GroupId: 'sg-b', VpcId: VPC_B, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.3.17/32' }] }], IpPermissionsEgress: [] });
  const config = baseConfig({ podIp: '10.0.3.17', targets: [{ name: 'db', host: '10.1.8.20', port: 5432, securityGroupIds: ['sg-b'] }] });
  const pod = (env: Record<string, string>) => ({ ...ctxFor({ config, subject: 'db', where: 'pod', documents }), env: { POD_IP: '10.0.3.17', ...env } });
  const snat = (await securityGroups.run(pod({}))) as any[];
  t.equal(snat[0].code, 'SG_INGRESS_MISSING', 'the node IP 10.0.3.5 arrives, not the pod IP');
  t.equal(snat[0].evidence.sourceAddress, '10.0.3.5');
  t.equal(snat[0].evidence.translation, 'node-snat');
  t.match(snat[0].remedy.commands[0], '--group-id sg-b --protocol tcp --port 5432 --source-group sg-0n0de', 'the node ENI’s group, usable across a same-region peering');
  const external = (await securityGroups.run(pod({ AWS_VPC_K8S_CNI_EXTERNALSNAT: 'true' }))) as any[];
  t.equal(external[0].code, 'OK', 'external SNAT keeps the pod IP, which the rule admits');
  const excluded = (await securityGroups.run(pod({ AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: '10.1.0.0/16' }))) as any[];
  t.equal(excluded[0].code, 'OK', 'an excluded range keeps the pod IP');
  // the gateway's pod does not carry aws-node's env: the vpc-cni add-on's configuration values say it (v-healthy-exclude-snat-peered)
  const withAddon = (configurationValues: string) => ({ ...documents, eks: { ...documents.eks, DescribeAddon: { addon: { addonName: 'vpc-cni', configurationValues } } } });
  const viaJson = (await securityGroups.run({ ...ctxFor({ config: { ...config }, subject: 'db', where: 'pod', documents: withAddon('{"env":{"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS":"10.1.0.0/16"}}') }), env: { POD_IP: '10.0.3.17' } })) as any[];
  t.equal(viaJson[0].code, 'OK', 'the add-on (JSON values) excludes the peered range');
  const viaYaml = (await securityGroups.run({ ...ctxFor({ config: { ...config }, subject: 'db', where: 'pod', documents: withAddon('env:\n  AWS_VPC_K8S_CNI_EXTERNALSNAT: "true"\n') }), env: { POD_IP: '10.0.3.17' } })) as any[];
  t.equal(viaYaml[0].code, 'OK', 'the add-on (YAML values) turns on external SNAT');
  const otherRange = (await securityGroups.run({ ...ctxFor({ config: { ...config }, subject: 'db', where: 'pod', documents: withAddon('{"env":{"AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS":"10.9.0.0/16"}}') }), env: { POD_IP: '10.0.3.17' } })) as any[];
  t.equal(otherRange[0].code, 'SG_INGRESS_MISSING', 'an exclude list without the target still SNATs');
});
