// Stand-in EC2 (ec2 protocol): the describe reads the network probes use, over the world's `ec2` section, with
// AWS's defaults where a world leaves a section out (a main route table with the local route and 0.0.0.0/0 to a
// NAT gateway; a default network ACL allowing all; the pod's ENI derived from pod.ip / pod.securityGroupIds /
// pod.nodeIp). AuthorizeSecurityGroupIngress is the one write: accepted only from the test harness's own key
// (the remedy test applies a printed command with the AWS CLI), denied and logged for anyone else.
import { createHash } from 'node:crypto';
import { AwsFault, type ServiceModule, type StandinContext, type StandinRequest, type WorldView } from '../types.ts';

type Doc = Record<string, any>;

function hashId(prefix: string, ...parts: string[]): string {
  return `${prefix}-0${createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16)}`;
}

function inCidr(cidr: string | undefined, ip: string | undefined): boolean {
  if (!cidr || !ip) return false;
  const [base, len] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len ?? 32));
  const b = Math.floor(n(base!) / size) * size;
  const x = n(ip);
  return x >= b && x < b + size;
}

// Mutable state per world object: AuthorizeSecurityGroupIngress changes the groups for the rest of the run.
const state = new WeakMap<object, { securityGroups: Doc[] }>();

function ec2(world: WorldView): Doc {
  return (world.ec2 ?? {}) as Doc;
}

function securityGroups(world: WorldView): Doc[] {
  let s = state.get(world);
  if (!s) {
    s = { securityGroups: structuredClone((ec2(world).SecurityGroups ?? []) as Doc[]) };
    state.set(world, s);
  }
  return s.securityGroups;
}

function vpcs(world: WorldView): Doc[] {
  return (ec2(world).Vpcs ?? []) as Doc[];
}
function subnets(world: WorldView): Doc[] {
  return (ec2(world).Subnets ?? []) as Doc[];
}
function vpcCidrs(v: Doc): string[] {
  return [v.CidrBlock, ...((v.CidrBlockAssociationSet ?? []) as Doc[]).map((a) => a.CidrBlock)].filter(Boolean);
}
function subnetFor(world: WorldView, ip: string | undefined): Doc | undefined {
  return subnets(world).find((s) => inCidr(s.CidrBlock, ip));
}

function natGateways(world: WorldView): Doc[] {
  const listed = ec2(world).NatGateways as Doc[] | undefined;
  if (listed) return listed;
  if (ec2(world).RouteTables) return [];
  // Default: one working NAT gateway per VPC, matching the default route tables. Its (public) subnet is not one
  // the world describes, so it carries none: nothing can be concluded about where it sits.
  return vpcs(world).map((v) => ({
    NatGatewayId: hashId('nat', v.VpcId),
    VpcId: v.VpcId,
    State: 'available',
    ConnectivityType: 'public',
    NatGatewayAddresses: [{ PublicIp: '198.51.100.1', PrivateIp: undefined }],
  }));
}

function routeTables(world: WorldView): Doc[] {
  const listed = ec2(world).RouteTables as Doc[] | undefined;
  if (listed) return listed;
  return vpcs(world).map((v) => ({
    RouteTableId: hashId('rtb', v.VpcId),
    VpcId: v.VpcId,
    Associations: [{ Main: true, RouteTableAssociationId: hashId('rtbassoc', v.VpcId), RouteTableId: hashId('rtb', v.VpcId), AssociationState: { State: 'associated' } }],
    Routes: [
      ...vpcCidrs(v).map((c) => ({ DestinationCidrBlock: c, GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' })),
      { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: hashId('nat', v.VpcId), State: 'active', Origin: 'CreateRoute' },
    ],
  }));
}

function networkAcls(world: WorldView): Doc[] {
  const listed = (ec2(world).NetworkAcls ?? []) as Doc[];
  // Every VPC has a default NACL; a VPC the world gives none gets AWS's default, which allows all.
  const out = [...listed];
  for (const v of vpcs(world)) {
    if (listed.some((a) => a.VpcId === v.VpcId && a.IsDefault)) continue;
    const explicit = new Set(listed.filter((a) => a.VpcId === v.VpcId).flatMap((a) => ((a.Associations ?? []) as Doc[]).map((x) => x.SubnetId)));
    const id = hashId('acl', v.VpcId);
    out.push({
      NetworkAclId: id,
      VpcId: v.VpcId,
      IsDefault: true,
      Entries: [false, true].flatMap((egress) => [
        { RuleNumber: 100, Protocol: '-1', RuleAction: 'allow', Egress: egress, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: egress, CidrBlock: '0.0.0.0/0' },
      ]),
      Associations: subnets(world)
        .filter((s) => s.VpcId === v.VpcId && !explicit.has(s.SubnetId))
        .map((s) => ({ NetworkAclAssociationId: hashId('aclassoc', s.SubnetId), NetworkAclId: id, SubnetId: s.SubnetId })),
    });
  }
  return out;
}

/** The world's ENIs, plus the pod's (derived) unless one already holds pod.ip. */
function networkInterfaces(world: WorldView): Doc[] {
  const listed = (ec2(world).NetworkInterfaces ?? []) as Doc[];
  const pod = (world.pod ?? {}) as Doc;
  const ip = pod.ip as string | undefined;
  const holds = (e: Doc) =>
    e.PrivateIpAddress === ip ||
    ((e.PrivateIpAddresses ?? []) as Doc[]).some((p) => p.PrivateIpAddress === ip) ||
    ((e.Ipv4Prefixes ?? []) as Doc[]).some((p) => inCidr(p.Ipv4Prefix, ip));
  if (!ip || listed.some(holds)) return listed;
  const clusterSg = (world.eks as Doc | undefined)?.cluster?.resourcesVpcConfig?.clusterSecurityGroupId as string | undefined;
  const groups = ((pod.securityGroupIds as string[] | undefined) ?? (clusterSg ? [clusterSg] : [])).map((g) => ({ GroupId: g, GroupName: g }));
  const nodeIp = (pod.nodeIp as string | undefined) ?? ip;
  const subnet = subnetFor(world, nodeIp) ?? subnetFor(world, ip);
  const instanceId = `i-0${createHash('sha256').update(String(pod.nodeName ?? nodeIp)).digest('hex').slice(0, 16)}`;
  // VPC CNI gives pods secondary IPs of the node's primary ENI first.
  return [
    ...listed,
    {
      NetworkInterfaceId: hashId('eni', nodeIp),
      SubnetId: subnet?.SubnetId,
      VpcId: subnet?.VpcId,
      AvailabilityZone: subnet?.AvailabilityZone ?? `${world.region}a`,
      Description: '',
      InterfaceType: 'interface',
      Status: 'in-use',
      PrivateIpAddress: nodeIp,
      PrivateIpAddresses: [{ PrivateIpAddress: nodeIp, Primary: true }, ...(ip !== nodeIp ? [{ PrivateIpAddress: ip, Primary: false }] : [])],
      Groups: groups,
      Attachment: { AttachmentId: hashId('eni-attach', nodeIp), InstanceId: instanceId, DeviceIndex: 0, Status: 'attached' },
      OwnerId: world.account,
    },
  ];
}

function filtersOf(params: Doc): { Name: string; Values: string[] }[] {
  const list = (params.Filters ?? params.Filter ?? []) as Doc[];
  return list.map((f) => ({ Name: String(f.Name), Values: ((f.Values ?? f.Value ?? []) as unknown[]).map(String) }));
}

type Accessors = Record<string, (item: Doc) => unknown[]>;

function applyFilters(items: Doc[], params: Doc, accessors: Accessors): Doc[] {
  let out = items;
  for (const f of filtersOf(params)) {
    const get = accessors[f.Name];
    if (!get) throw new AwsFault('InvalidParameterValue', `The filter '${f.Name}' is invalid`, 400);
    out = out.filter((item) => get(item).some((v) => v !== undefined && f.Values.includes(String(v))));
  }
  return out;
}

function idsOf(params: Doc, name: string): string[] {
  const v = params[`${name}s`] ?? params[name];
  return Array.isArray(v) ? v.map(String) : v ? [String(v)] : [];
}

async function read(req: StandinRequest, sc: StandinContext, action: string): Promise<void> {
  await sc.require({ caller: req.caller, action: `ec2:${action}`, resource: '*' });
}

function byIds(items: Doc[], ids: string[], key: string, notFound: (id: string) => AwsFault): Doc[] {
  if (!ids.length) return items;
  for (const id of ids) if (!items.some((i) => i[key] === id)) throw notFound(id);
  return items.filter((i) => ids.includes(i[key]));
}

const sgAccessors: Accessors = {
  'group-id': (g) => [g.GroupId],
  'group-name': (g) => [g.GroupName],
  'vpc-id': (g) => [g.VpcId],
};

function describeRules(groups: Doc[]): Doc[] {
  const rules: Doc[] = [];
  for (const g of groups) {
    for (const [isEgress, perms] of [[false, g.IpPermissions ?? []], [true, g.IpPermissionsEgress ?? []]] as const) {
      for (const p of perms as Doc[]) {
        const base = { GroupId: g.GroupId, GroupOwnerId: g.OwnerId, IsEgress: isEgress, IpProtocol: p.IpProtocol, FromPort: p.FromPort ?? -1, ToPort: p.ToPort ?? -1 };
        const sources: Doc[] = [
          ...((p.IpRanges ?? []) as Doc[]).map((r) => ({ CidrIpv4: r.CidrIp, Description: r.Description })),
          ...((p.UserIdGroupPairs ?? []) as Doc[]).map((u) => ({ ReferencedGroupInfo: { GroupId: u.GroupId, UserId: u.UserId, VpcId: u.VpcId } })),
          ...((p.PrefixListIds ?? []) as Doc[]).map((l) => ({ PrefixListId: l.PrefixListId })),
        ];
        for (const s of sources) rules.push({ SecurityGroupRuleId: hashId('sgr', g.GroupId, String(isEgress), JSON.stringify(p), JSON.stringify(s)), ...base, ...s });
      }
    }
  }
  return rules;
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null || v === '' ? undefined : Number(v);
}

/** AuthorizeSecurityGroupIngress's permissions, from IpPermissions (what the CLI's --protocol/--port/--source-group build) or the legacy flat parameters. */
function requestedPermissions(params: Doc): Doc[] {
  const list = (params.IpPermissions ?? params.IpPermission ?? []) as Doc[];
  const perms = list.map((p) => ({
    IpProtocol: String(p.IpProtocol),
    FromPort: num(p.FromPort),
    ToPort: num(p.ToPort),
    IpRanges: ((p.IpRanges ?? []) as Doc[]).map((r) => ({ CidrIp: r.CidrIp, ...(r.Description ? { Description: r.Description } : {}) })),
    UserIdGroupPairs: ((p.Groups ?? p.UserIdGroupPairs ?? []) as Doc[]).map((g) => ({ GroupId: g.GroupId, ...(g.UserId ? { UserId: g.UserId } : {}) })),
    PrefixListIds: ((p.PrefixListIds ?? []) as Doc[]).map((l) => ({ PrefixListId: l.PrefixListId })),
  }));
  if (!perms.length && params.IpProtocol) {
    perms.push({
      IpProtocol: String(params.IpProtocol),
      FromPort: num(params.FromPort),
      ToPort: num(params.ToPort),
      IpRanges: params.CidrIp ? [{ CidrIp: String(params.CidrIp) }] : [],
      UserIdGroupPairs: [],
      PrefixListIds: [],
    });
  }
  return perms;
}

function sameRule(a: Doc, b: Doc): boolean {
  return a.IpProtocol === b.IpProtocol && (a.FromPort ?? -1) === (b.FromPort ?? -1) && (a.ToPort ?? -1) === (b.ToPort ?? -1);
}

const ec2Module: ServiceModule = {
  signingName: 'ec2',
  protocol: 'ec2',
  ec2WireNames: { Ipv4Prefixes: 'ipv4PrefixSet', TransitGateways: 'transitGatewaySet', PrefixLists: 'prefixListSet' },
  operations: {
    DescribeVpcs: async (req, sc) => {
      await read(req, sc, 'DescribeVpcs');
      const items = byIds(vpcs(sc.world), idsOf(req.params, 'VpcId'), 'VpcId', (id) => new AwsFault('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`, 400));
      return { Vpcs: applyFilters(items, req.params, { 'vpc-id': (v) => [v.VpcId], 'cidr': (v) => vpcCidrs(v) }).map((v) => ({ State: 'available', OwnerId: sc.world.account, ...v })) };
    },
    DescribeSubnets: async (req, sc) => {
      await read(req, sc, 'DescribeSubnets');
      const items = byIds(subnets(sc.world), idsOf(req.params, 'SubnetId'), 'SubnetId', (id) => new AwsFault('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`, 400));
      return { Subnets: applyFilters(items, req.params, { 'vpc-id': (s) => [s.VpcId], 'subnet-id': (s) => [s.SubnetId] }).map((s) => ({ State: 'available', ...s })) };
    },
    DescribeSecurityGroups: async (req, sc) => {
      await read(req, sc, 'DescribeSecurityGroups');
      const items = byIds(securityGroups(sc.world), idsOf(req.params, 'GroupId'), 'GroupId', (id) => new AwsFault('InvalidGroup.NotFound', `The security group '${id}' does not exist`, 400));
      return {
        SecurityGroups: applyFilters(items, req.params, sgAccessors).map((g) => ({
          OwnerId: sc.world.account,
          GroupName: g.GroupId,
          Description: g.GroupName ?? g.GroupId,
          IpPermissions: [],
          IpPermissionsEgress: [],
          ...g,
        })),
      };
    },
    DescribeSecurityGroupRules: async (req, sc) => {
      await read(req, sc, 'DescribeSecurityGroupRules');
      const groups = applyFilters(securityGroups(sc.world), { Filters: filtersOf(req.params).filter((f) => f.Name === 'group-id') }, sgAccessors);
      return { SecurityGroupRules: describeRules(groups) };
    },
    DescribeNetworkInterfaces: async (req, sc) => {
      await read(req, sc, 'DescribeNetworkInterfaces');
      const items = byIds(networkInterfaces(sc.world), idsOf(req.params, 'NetworkInterfaceId'), 'NetworkInterfaceId', (id) => new AwsFault('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`, 400));
      return {
        NetworkInterfaces: applyFilters(items, req.params, {
          'addresses.private-ip-address': (e) => [e.PrivateIpAddress, ...((e.PrivateIpAddresses ?? []) as Doc[]).map((p) => p.PrivateIpAddress)],
          'private-ip-address': (e) => [e.PrivateIpAddress],
          'vpc-id': (e) => [e.VpcId],
          'subnet-id': (e) => [e.SubnetId],
          'attachment.instance-id': (e) => [e.Attachment?.InstanceId],
          'network-interface-id': (e) => [e.NetworkInterfaceId],
          'group-id': (e) => ((e.Groups ?? []) as Doc[]).map((g) => g.GroupId),
          'interface-type': (e) => [e.InterfaceType],
        }),
      };
    },
    DescribeRouteTables: async (req, sc) => {
      await read(req, sc, 'DescribeRouteTables');
      return {
        RouteTables: applyFilters(routeTables(sc.world), req.params, {
          'vpc-id': (t) => [t.VpcId],
          'route-table-id': (t) => [t.RouteTableId],
          'association.subnet-id': (t) => ((t.Associations ?? []) as Doc[]).map((a) => a.SubnetId),
          'association.main': (t) => ((t.Associations ?? []) as Doc[]).map((a) => String(!!a.Main)),
        }),
      };
    },
    DescribeNetworkAcls: async (req, sc) => {
      await read(req, sc, 'DescribeNetworkAcls');
      return {
        NetworkAcls: applyFilters(networkAcls(sc.world), req.params, {
          'vpc-id': (a) => [a.VpcId],
          'association.subnet-id': (a) => ((a.Associations ?? []) as Doc[]).map((x) => x.SubnetId),
          default: (a) => [String(!!a.IsDefault)],
        }),
      };
    },
    DescribeVpcPeeringConnections: async (req, sc) => {
      await read(req, sc, 'DescribeVpcPeeringConnections');
      return {
        VpcPeeringConnections: applyFilters((ec2(sc.world).VpcPeeringConnections ?? []) as Doc[], req.params, {
          'requester-vpc-info.vpc-id': (p) => [p.RequesterVpcInfo?.VpcId],
          'accepter-vpc-info.vpc-id': (p) => [p.AccepterVpcInfo?.VpcId],
          'status-code': (p) => [p.Status?.Code],
          'vpc-peering-connection-id': (p) => [p.VpcPeeringConnectionId],
        }),
      };
    },
    DescribeTransitGatewayAttachments: async (req, sc) => {
      await read(req, sc, 'DescribeTransitGatewayAttachments');
      return {
        TransitGatewayAttachments: applyFilters((ec2(sc.world).TransitGatewayAttachments ?? []) as Doc[], req.params, {
          'resource-id': (a) => [a.ResourceId],
          'resource-type': (a) => [a.ResourceType],
          'transit-gateway-id': (a) => [a.TransitGatewayId],
          state: (a) => [a.State],
        }).map(({ Options: _o, ...a }) => ({ State: 'available', ...a })),
      };
    },
    DescribeTransitGateways: async (req, sc) => {
      await read(req, sc, 'DescribeTransitGateways');
      return { TransitGateways: (ec2(sc.world).TransitGateways ?? []) as Doc[] };
    },
    DescribeVpcEndpoints: async (req, sc) => {
      await read(req, sc, 'DescribeVpcEndpoints');
      return {
        VpcEndpoints: applyFilters((ec2(sc.world).VpcEndpoints ?? []) as Doc[], req.params, {
          'service-name': (e) => [e.ServiceName],
          'vpc-id': (e) => [e.VpcId],
          'vpc-endpoint-type': (e) => [e.VpcEndpointType],
          'vpc-endpoint-state': (e) => [e.State],
        }).map((e) => ({ State: 'available', VpcEndpointType: 'Interface', ...e })),
      };
    },
    DescribeNatGateways: async (req, sc) => {
      await read(req, sc, 'DescribeNatGateways');
      return { NatGateways: applyFilters(natGateways(sc.world), req.params, { 'vpc-id': (n) => [n.VpcId], 'subnet-id': (n) => [n.SubnetId], state: (n) => [n.State] }) };
    },
    DescribeManagedPrefixLists: async (req, sc) => {
      await read(req, sc, 'DescribeManagedPrefixLists');
      const lists = ((ec2(sc.world).ManagedPrefixLists ?? []) as Doc[]).map(({ Entries: _e, ...l }) => ({ State: 'create-complete', AddressFamily: 'IPv4', OwnerId: sc.world.account, ...l }));
      return { PrefixLists: byIds(lists, idsOf(req.params, 'PrefixListId'), 'PrefixListId', (id) => new AwsFault('InvalidPrefixListID.NotFound', `The prefix list ID '${id}' does not exist`, 400)) };
    },
    GetManagedPrefixListEntries: async (req, sc) => {
      await read(req, sc, 'GetManagedPrefixListEntries');
      const id = String(req.params.PrefixListId ?? '');
      const list = ((ec2(sc.world).ManagedPrefixLists ?? []) as Doc[]).find((l) => l.PrefixListId === id);
      if (!list) throw new AwsFault('InvalidPrefixListID.NotFound', `The prefix list ID '${id}' does not exist`, 400);
      return { Entries: (list.Entries ?? []) as Doc[] };
    },
    AuthorizeSecurityGroupIngress: async (req, sc) => {
      const groupId = String(req.params.GroupId ?? '');
      const arn = `arn:aws:ec2:${sc.region}:${sc.world.account}:security-group/${groupId}`;
      // Only the harness may change the world; the product's guard never sends this, and anyone else is denied.
      if (req.caller.kind !== 'harness') sc.deny(req.caller, 'ec2:AuthorizeSecurityGroupIngress', arn);
      const group = securityGroups(sc.world).find((g) => g.GroupId === groupId);
      if (!group) throw new AwsFault('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`, 400);
      const perms = requestedPermissions(req.params);
      if (!perms.length) throw new AwsFault('MissingParameter', 'The request must contain the parameter ipPermissions', 400);
      group.IpPermissions ??= [];
      const rules: Doc[] = [];
      for (const p of perms) {
        for (const g of p.UserIdGroupPairs) {
          if (!securityGroups(sc.world).some((x) => x.GroupId === g.GroupId)) throw new AwsFault('InvalidGroup.NotFound', `The security group '${g.GroupId}' does not exist`, 400);
        }
        const existing = (group.IpPermissions as Doc[]).find((x) => sameRule(x, p));
        const dup = existing && (p.UserIdGroupPairs.some((g: Doc) => (existing.UserIdGroupPairs ?? []).some((e: Doc) => e.GroupId === g.GroupId)) || p.IpRanges.some((r: Doc) => (existing.IpRanges ?? []).some((e: Doc) => e.CidrIp === r.CidrIp)));
        if (dup) throw new AwsFault('InvalidPermission.Duplicate', `the specified rule "peer: ${p.UserIdGroupPairs[0]?.GroupId ?? p.IpRanges[0]?.CidrIp}, ${p.IpProtocol.toUpperCase()}, from port: ${p.FromPort}, to port: ${p.ToPort}, ALLOW" already exists`, 400);
        (group.IpPermissions as Doc[]).push(p);
        rules.push(...describeRules([{ GroupId: groupId, IpPermissions: [p] }]));
      }
      return { Return: true, SecurityGroupRules: rules };
    },
  },
};

export default ec2Module;
