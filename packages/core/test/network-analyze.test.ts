// Table tests of the pure network analyzers: CIDR arithmetic, security-group admission and egress, and the
// path (routes both ways, peering/TGW, NACLs). Each row: given documents, when analysed, then this code.
import t from 'tap';
import { cidrContains, cidrCovers, isPrivateAddress, longestPrefixMatch } from '../src/analyze/cidr.ts';
import { findEniForAddress, primaryEniOf, type NetworkDocs, type SecurityGroup } from '../src/analyze/ec2-docs.ts';
import { analyzeSecurityGroups, permissionCoversPort, type SgSource, type SgTarget } from '../src/analyze/security-groups.ts';
import { analyzePath, explainPublicEgress, naclDecision } from '../src/analyze/path.ts';

t.test('cidr', async (t) => {
  const rows: [string, string, boolean][] = [
    ['10.0.0.0/16', '10.0.3.17', true],
    ['10.0.0.0/16', '10.1.0.1', false],
    ['10.0.3.16/28', '10.0.3.31', true],
    ['10.0.3.16/28', '10.0.3.32', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.0.8.12/32', '10.0.8.12', true],
    ['10.0.8.12/32', '10.0.8.13', false],
    ['garbage', '10.0.0.1', false],
  ];
  for (const [c, ip, want] of rows) t.equal(cidrContains(c, ip), want, `${ip} in ${c}`);
  t.ok(cidrCovers('10.0.0.0/16', '10.0.8.0/24'));
  t.notOk(cidrCovers('10.0.8.0/24', '10.0.0.0/16'));
  t.ok(isPrivateAddress('100.64.1.1'));
  t.notOk(isPrivateAddress('203.0.113.5'));
  const routes = [{ c: '0.0.0.0/0', id: 'nat' }, { c: '10.1.0.0/16', id: 'pcx' }, { c: '10.1.2.0/24', id: 'tgw' }];
  t.equal(longestPrefixMatch(routes, (r) => r.c, '10.1.2.9')?.id, 'tgw');
  t.equal(longestPrefixMatch(routes, (r) => r.c, '10.1.9.9')?.id, 'pcx');
  t.equal(longestPrefixMatch(routes, (r) => r.c, '8.8.8.8')?.id, 'nat');
});

t.test('rules: protocol -1, ranges, other protocols', async (t) => {
  t.ok(permissionCoversPort({ IpProtocol: '-1' }, 5439));
  t.ok(permissionCoversPort({ IpProtocol: 'tcp', FromPort: 5000, ToPort: 6000 }, 5439));
  t.notOk(permissionCoversPort({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 }, 5439));
  t.notOk(permissionCoversPort({ IpProtocol: 'udp', FromPort: 0, ToPort: 65535 }, 5439));
  t.ok(permissionCoversPort({ IpProtocol: '6', FromPort: 5439, ToPort: 5439 }, 5439));
});

t.test('ENI of the pod IP, including a delegated prefix', async (t) => {
  const enis = [
    { NetworkInterfaceId: 'eni-node', PrivateIpAddress: '10.0.3.5', Attachment: { InstanceId: 'i-1', DeviceIndex: 0 }, Groups: [{ GroupId: 'sg-node' }] },
    { NetworkInterfaceId: 'eni-2', PrivateIpAddress: '10.0.3.40', PrivateIpAddresses: [{ PrivateIpAddress: '10.0.3.40' }, { PrivateIpAddress: '10.0.3.41' }], Attachment: { InstanceId: 'i-1', DeviceIndex: 1 } },
    { NetworkInterfaceId: 'eni-pd', PrivateIpAddress: '10.0.4.5', Ipv4Prefixes: [{ Ipv4Prefix: '10.0.4.16/28' }] },
  ];
  t.equal(findEniForAddress(enis, '10.0.3.41')?.eni.NetworkInterfaceId, 'eni-2');
  const pd = findEniForAddress(enis, '10.0.4.20');
  t.equal(pd?.eni.NetworkInterfaceId, 'eni-pd');
  t.equal(pd?.via, 'prefix');
  t.equal(findEniForAddress(enis, '10.0.9.9'), undefined);
  t.equal(primaryEniOf(enis, enis[1]!)?.NetworkInterfaceId, 'eni-node');
});

const VPC = { VpcId: 'vpc-a', CidrBlock: '10.0.0.0/16' };
const VPC_B = { VpcId: 'vpc-b', CidrBlock: '10.1.0.0/16' };
function sg(id: string, ingress: SecurityGroup['IpPermissions'], egress: SecurityGroup['IpPermissionsEgress'] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], vpc = 'vpc-a'): SecurityGroup {
  return { GroupId: id, VpcId: vpc, IpPermissions: ingress, IpPermissionsEgress: egress };
}
const source: SgSource = { ip: '10.0.3.17', groupIds: ['sg-cluster'], vpcId: 'vpc-a', basis: 'ENI eni-1', translation: 'none', preferredGroupId: 'sg-cluster' };
const target: SgTarget = { name: 'analytics', port: 5439, groupIds: ['sg-rs'], vpcId: 'vpc-a', addresses: ['10.0.8.12'], region: 'us-east-1' };

t.test('security groups: table', async (t) => {
  const rows: { name: string; groups: SecurityGroup[]; src?: Partial<SgSource>; tgt?: Partial<SgTarget>; docs?: Partial<NetworkDocs>; codes: string[] }[] = [
    { name: 'group reference admits', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-cluster', [])], codes: ['OK'] },
    { name: 'protocol -1 from the VPC CIDR admits', groups: [sg('sg-rs', [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }]), sg('sg-cluster', [])], codes: ['OK'] },
    { name: 'port range admits', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5000, ToPort: 6000, IpRanges: [{ CidrIp: '10.0.3.0/24' }] }]), sg('sg-cluster', [])], codes: ['OK'] },
    { name: 'prefix list admits', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, PrefixListIds: [{ PrefixListId: 'pl-1' }] }]), sg('sg-cluster', [])], docs: { prefixLists: { 'pl-1': ['10.0.0.0/20'] } }, codes: ['OK'] },
    { name: 'no rule for the port (C33)', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-cluster', [])], codes: ['SG_INGRESS_MISSING'] },
    { name: 'CIDR that does not contain the pod', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '10.0.100.0/24' }] }]), sg('sg-cluster', [])], codes: ['SG_INGRESS_MISSING'] },
    { name: 'rule names a group the pod does not carry (C32)', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-node', [])], src: { groupIds: ['sg-node'], preferredGroupId: 'sg-node' }, codes: ['SG_SOURCE_NOT_CARRIED'] },
    { name: 'egress restricted (C34)', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-cluster', [], [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }])], codes: ['SG_EGRESS_BLOCKED'] },
    { name: 'egress by group reference admits', groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-cluster', [], [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-rs' }] }])], codes: ['OK'] },
    {
      name: 'group reference through a NAT gateway cannot match',
      groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }]), sg('sg-cluster', [])],
      src: { translation: 'nat-gateway', natAddress: '198.51.100.7' },
      tgt: { addresses: ['198.51.100.20'] },
      codes: ['SG_REFERENCE_ACROSS_NAT'],
    },
    {
      name: 'group reference across same-region peering works',
      groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster', VpcId: 'vpc-a' }] }], undefined, 'vpc-b'), sg('sg-cluster', [])],
      tgt: { vpcId: 'vpc-b', addresses: ['10.1.8.12'] },
      docs: { peerings: [{ VpcPeeringConnectionId: 'pcx-1', Status: { Code: 'active' }, RequesterVpcInfo: { VpcId: 'vpc-a' }, AccepterVpcInfo: { VpcId: 'vpc-b' } }] },
      codes: ['OK'],
    },
    {
      name: 'group reference across a TGW without referencing support',
      groups: [sg('sg-rs', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-cluster' }] }], undefined, 'vpc-b'), sg('sg-cluster', [])],
      tgt: { vpcId: 'vpc-b', addresses: ['10.1.8.12'] },
      docs: {
        tgwAttachments: [
          { TransitGatewayId: 'tgw-1', ResourceType: 'vpc', ResourceId: 'vpc-a', State: 'available' },
          { TransitGatewayId: 'tgw-1', ResourceType: 'vpc', ResourceId: 'vpc-b', State: 'available' },
        ],
        transitGateways: [{ TransitGatewayId: 'tgw-1', Options: { SecurityGroupReferencingSupport: 'disable' } }],
      },
      codes: ['SG_REFERENCE_ACROSS_NAT'],
    },
  ];
  for (const row of rows) {
    const docs: NetworkDocs = { vpcs: [VPC, VPC_B], securityGroups: row.groups, ...row.docs };
    const findings = analyzeSecurityGroups(docs, { ...source, ...row.src }, { ...target, ...row.tgt });
    t.same(findings.map((f) => f.code), row.codes, row.name);
  }
});

t.test('security groups: remedies carry the real ids', async (t) => {
  const docs: NetworkDocs = { securityGroups: [sg('sg-0rs01', []), sg('sg-0c1a5', [])] };
  const [missing] = analyzeSecurityGroups(docs, { ...source, groupIds: ['sg-0c1a5'], preferredGroupId: 'sg-0c1a5' }, { ...target, groupIds: ['sg-0rs01'] });
  t.equal(missing?.remedy?.commands?.[0], 'aws ec2 authorize-security-group-ingress --group-id sg-0rs01 --protocol tcp --port 5439 --source-group sg-0c1a5 --region us-east-1');
  const docs2: NetworkDocs = { securityGroups: [sg('sg-0rs01', [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, UserIdGroupPairs: [{ GroupId: 'sg-0c1a5' }] }]), sg('sg-0n0de', [])] };
  const [notCarried] = analyzeSecurityGroups(docs2, { ...source, groupIds: ['sg-0n0de'], preferredGroupId: 'sg-0n0de' }, { ...target, groupIds: ['sg-0rs01'] });
  t.equal(notCarried?.code, 'SG_SOURCE_NOT_CARRIED');
  t.match(notCarried?.summary, /sg-0n0de/);
  t.match(notCarried?.remedy?.commands?.[0], /--source-group sg-0n0de/);
});

t.test('NACL first-match evaluation', async (t) => {
  const acl = {
    NetworkAclId: 'acl-1',
    Entries: [
      { RuleNumber: 100, Protocol: '6', RuleAction: 'deny', Egress: false, CidrBlock: '10.0.3.0/24', PortRange: { From: 5439, To: 5439 } },
      { RuleNumber: 200, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
      { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0', PortRange: { From: 443, To: 443 } },
    ],
  };
  t.equal(naclDecision(acl, false, '10.0.3.17', 5439).allowed, false);
  t.equal(naclDecision(acl, false, '10.0.4.1', 5439).allowed, true);
  t.equal(naclDecision(acl, true, '10.0.3.17', 40000).allowed, false, 'implicit deny');
});

t.test('path: table', async (t) => {
  const subnets = [
    { SubnetId: 'subnet-pod', VpcId: 'vpc-a', CidrBlock: '10.0.0.0/20' },
    { SubnetId: 'subnet-db', VpcId: 'vpc-a', CidrBlock: '10.0.8.0/24' },
    { SubnetId: 'subnet-b', VpcId: 'vpc-b', CidrBlock: '10.1.8.0/24' },
    { SubnetId: 'subnet-c', VpcId: 'vpc-c', CidrBlock: '10.2.8.0/24' },
  ];
  const vpcs = [VPC, VPC_B, { VpcId: 'vpc-c', CidrBlock: '10.2.0.0/16' }];
  const pcxAB = { VpcPeeringConnectionId: 'pcx-ab', Status: { Code: 'active' }, RequesterVpcInfo: { VpcId: 'vpc-a' }, AccepterVpcInfo: { VpcId: 'vpc-b' } };
  const pcxBC = { VpcPeeringConnectionId: 'pcx-bc', Status: { Code: 'active' }, RequesterVpcInfo: { VpcId: 'vpc-b' }, AccepterVpcInfo: { VpcId: 'vpc-c' } };
  const rtA = (extra: object[] = []) => ({ RouteTableId: 'rtb-a', VpcId: 'vpc-a', Associations: [{ Main: true }], Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' }, ...extra] });
  const rtB = (extra: object[] = []) => ({ RouteTableId: 'rtb-b', VpcId: 'vpc-b', Associations: [{ Main: true }], Routes: extra });
  const rows: { name: string; docs: Partial<NetworkDocs>; addr: string; vpc?: string; codes: string[] }[] = [
    { name: 'same VPC, default NACL', docs: { routeTables: [rtA()] }, addr: '10.0.8.12', codes: ['OK'] },
    { name: 'other VPC, no connection (C36)', docs: { routeTables: [rtA(), rtB()] }, addr: '10.1.8.12', codes: ['VPC_NOT_CONNECTED'] },
    { name: 'peered, routes both ways', docs: { peerings: [pcxAB], routeTables: [rtA([{ DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }]), rtB([{ DestinationCidrBlock: '10.0.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }])] }, addr: '10.1.8.12', codes: ['OK'] },
    { name: 'peered, return route missing (C37)', docs: { peerings: [pcxAB], routeTables: [rtA([{ DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }]), rtB()] }, addr: '10.1.8.12', codes: ['ROUTE_MISSING'] },
    { name: 'peered, forward route missing', docs: { peerings: [pcxAB], routeTables: [rtA(), rtB([{ DestinationCidrBlock: '10.0.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }])] }, addr: '10.1.8.12', codes: ['ROUTE_MISSING'] },
    { name: 'transitive peering: route through a peering that does not join them', docs: { peerings: [pcxAB, pcxBC], routeTables: [rtA([{ DestinationCidrBlock: '10.2.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }])] }, addr: '10.2.8.12', codes: ['ROUTE_MISSING'] },
    // a more specific blackhole route wins the longest prefix match and drops the traffic (v-route-blackhole-more-specific)
    { name: 'peered, but a more specific blackhole route shadows the peering route', docs: { peerings: [pcxAB], routeTables: [rtA([{ DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }, { DestinationCidrBlock: '10.1.8.0/24', TransitGatewayId: 'tgw-gone', State: 'blackhole' }]), rtB([{ DestinationCidrBlock: '10.0.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }])] }, addr: '10.1.8.12', codes: ['ROUTE_MISSING'] },
    { name: 'peered, a broader blackhole route does not matter', docs: { peerings: [pcxAB], routeTables: [rtA([{ DestinationCidrBlock: '10.1.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }, { DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-gone', State: 'blackhole' }]), rtB([{ DestinationCidrBlock: '10.0.0.0/16', VpcPeeringConnectionId: 'pcx-ab' }])] }, addr: '10.1.8.12', codes: ['OK'] },
    {
      name: 'peering pending acceptance',
      docs: { peerings: [{ ...pcxAB, Status: { Code: 'pending-acceptance' } }], routeTables: [rtA(), rtB()] },
      addr: '10.1.8.12',
      codes: ['VPC_NOT_CONNECTED'],
    },
    {
      name: 'TGW, routes both ways',
      docs: {
        tgwAttachments: [{ TransitGatewayId: 'tgw-1', ResourceType: 'vpc', ResourceId: 'vpc-a' }, { TransitGatewayId: 'tgw-1', ResourceType: 'vpc', ResourceId: 'vpc-b' }],
        routeTables: [rtA([{ DestinationCidrBlock: '10.1.0.0/16', TransitGatewayId: 'tgw-1' }]), rtB([{ DestinationCidrBlock: '10.0.0.0/8', TransitGatewayId: 'tgw-1' }])],
      },
      addr: '10.1.8.12',
      codes: ['OK'],
    },
    {
      name: 'same VPC, an allow-all NACL on both subnets',
      docs: {
        routeTables: [rtA()],
        networkAcls: [
          {
            NetworkAclId: 'acl-all',
            VpcId: 'vpc-a',
            Associations: [{ SubnetId: 'subnet-db' }, { SubnetId: 'subnet-pod' }],
            Entries: [
              { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: false, CidrBlock: '0.0.0.0/0' },
              { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: true, CidrBlock: '0.0.0.0/0' },
            ],
          },
        ],
      },
      addr: '10.0.8.12',
      codes: ['OK'],
    },
    {
      name: 'NACL denies the return to ephemeral ports',
      docs: {
        routeTables: [rtA()],
        networkAcls: [
          {
            NetworkAclId: 'acl-db',
            VpcId: 'vpc-a',
            Associations: [{ SubnetId: 'subnet-db' }],
            Entries: [
              { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: false, CidrBlock: '10.0.0.0/16', PortRange: { From: 5439, To: 5439 } },
              { RuleNumber: 100, Protocol: '6', RuleAction: 'allow', Egress: true, CidrBlock: '10.0.0.0/16', PortRange: { From: 5439, To: 5439 } },
            ],
          },
        ],
      },
      addr: '10.0.8.12',
      codes: ['NACL_DENY'],
    },
  ];
  for (const row of rows) {
    const docs: NetworkDocs = { vpcs, subnets, ...row.docs };
    const findings = analyzePath(docs, { podIp: '10.0.3.17', replyIp: '10.0.3.17', subnetId: 'subnet-pod', vpcId: 'vpc-a' }, { name: 'db', port: 5439, addresses: [row.addr], region: 'us-east-1' });
    t.same(findings.map((f) => f.code), row.codes, row.name);
    if (row.codes[0] === 'VPC_NOT_CONNECTED') {
      // Peering alone carries nothing: the remedy goes on to the accept and a route in each direction (C36).
      const commands = findings[0]!.remedy!.commands!;
      t.ok(commands.some((c) => c.startsWith('aws ec2 accept-vpc-peering-connection')), `${row.name}: accept`);
      t.equal(commands.filter((c) => c.startsWith('aws ec2 create-route ')).length, 2, `${row.name}: a route each way`);
    }
    if (row.codes[0] === 'OK') {
      // Each leg's allowing rule is said once, though return legs are checked at two ephemeral ports.
      const notes = findings[0]!.evidence!.path as string[];
      t.same(notes, [...new Set(notes)], `${row.name}: no repeated path notes`);
    }
  }
});

t.test('egress to a public address: route, NAT state, NAT placement', async (t) => {
  const subnets = [
    { SubnetId: 'subnet-pod', VpcId: 'vpc-a', CidrBlock: '10.0.0.0/20' },
    { SubnetId: 'subnet-pub', VpcId: 'vpc-a', CidrBlock: '10.0.240.0/24' },
  ];
  const podRt = (routes: object[]) => ({ RouteTableId: 'rtb-pod', VpcId: 'vpc-a', Associations: [{ SubnetId: 'subnet-pod' }], Routes: routes });
  const pubRt = (routes: object[]) => ({ RouteTableId: 'rtb-pub', VpcId: 'vpc-a', Associations: [{ SubnetId: 'subnet-pub' }], Routes: routes });
  const rows: { name: string; docs: Partial<NetworkDocs>; causes: string[] }[] = [
    { name: 'no default route (C39)', docs: { routeTables: [podRt([])], natGateways: [] }, causes: ['ROUTE_MISSING'] },
    { name: 'NAT in a public subnet', docs: { routeTables: [podRt([{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }]), pubRt([{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1' }])], natGateways: [{ NatGatewayId: 'nat-1', VpcId: 'vpc-a', SubnetId: 'subnet-pub', State: 'available' }] }, causes: [] },
    { name: 'NAT in a private subnet', docs: { routeTables: [podRt([{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }]), pubRt([])], natGateways: [{ NatGatewayId: 'nat-1', VpcId: 'vpc-a', SubnetId: 'subnet-pub', State: 'available' }] }, causes: ['ROUTE_MISSING'] },
    { name: 'NAT deleted', docs: { routeTables: [podRt([{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }])], natGateways: [{ NatGatewayId: 'nat-1', VpcId: 'vpc-a', SubnetId: 'subnet-pub', State: 'deleted' }] }, causes: ['ROUTE_MISSING'] },
  ];
  for (const row of rows) {
    const r = explainPublicEgress({ vpcs: [VPC], subnets, ...row.docs }, { podIp: '10.0.3.17', subnetId: 'subnet-pod' }, '203.0.113.19', 'us-east-1');
    t.same(r.causes, row.causes, row.name);
  }
});
