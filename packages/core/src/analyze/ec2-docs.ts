// The EC2/EKS documents the network analyzers read, in the shapes `aws ec2 describe-* --output json` prints
// (PascalCase; only the fields the analyzers use), plus lookups over them: the ENI holding an address, a
// subnet's route table and network ACL, the VPC an address belongs to. Pure: documents in, answers out.
import { cidrContains, longestPrefixMatch } from './cidr.ts';

export interface UserIdGroupPair {
  GroupId?: string;
  UserId?: string;
  VpcId?: string;
  VpcPeeringConnectionId?: string;
}
export interface IpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  UserIdGroupPairs?: UserIdGroupPair[];
  PrefixListIds?: { PrefixListId?: string }[];
}
export interface SecurityGroup {
  GroupId?: string;
  GroupName?: string;
  VpcId?: string;
  IpPermissions?: IpPermission[];
  IpPermissionsEgress?: IpPermission[];
}
export interface NetworkInterface {
  NetworkInterfaceId?: string;
  SubnetId?: string;
  VpcId?: string;
  PrivateIpAddress?: string;
  InterfaceType?: string;
  Description?: string;
  Groups?: { GroupId?: string; GroupName?: string }[];
  PrivateIpAddresses?: { PrivateIpAddress?: string; Primary?: boolean }[];
  Ipv4Prefixes?: { Ipv4Prefix?: string }[];
  Attachment?: { InstanceId?: string; DeviceIndex?: number; Status?: string };
  Association?: { PublicIp?: string };
}
export interface Vpc {
  VpcId?: string;
  CidrBlock?: string;
  CidrBlockAssociationSet?: { CidrBlock?: string; CidrBlockState?: { State?: string } }[];
}
export interface Subnet {
  SubnetId?: string;
  VpcId?: string;
  CidrBlock?: string;
  AvailabilityZone?: string;
}
export interface Route {
  DestinationCidrBlock?: string;
  DestinationPrefixListId?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  VpcPeeringConnectionId?: string;
  TransitGatewayId?: string;
  NetworkInterfaceId?: string;
  State?: string;
}
export interface RouteTable {
  RouteTableId?: string;
  VpcId?: string;
  Routes?: Route[];
  Associations?: { SubnetId?: string; Main?: boolean; RouteTableAssociationId?: string }[];
}
export interface NetworkAclEntry {
  RuleNumber?: number;
  Protocol?: string;
  RuleAction?: string;
  Egress?: boolean;
  CidrBlock?: string;
  PortRange?: { From?: number; To?: number };
}
export interface NetworkAcl {
  NetworkAclId?: string;
  VpcId?: string;
  IsDefault?: boolean;
  Entries?: NetworkAclEntry[];
  Associations?: { SubnetId?: string; NetworkAclId?: string }[];
}
export interface VpcPeeringConnection {
  VpcPeeringConnectionId?: string;
  Status?: { Code?: string; Message?: string };
  RequesterVpcInfo?: { VpcId?: string; CidrBlock?: string; Region?: string; OwnerId?: string };
  AccepterVpcInfo?: { VpcId?: string; CidrBlock?: string; Region?: string; OwnerId?: string };
}
export interface TransitGatewayAttachment {
  TransitGatewayAttachmentId?: string;
  TransitGatewayId?: string;
  ResourceType?: string;
  ResourceId?: string;
  State?: string;
  /** DescribeTransitGatewayVpcAttachments' Options, when the world or the account gives them. */
  Options?: { SecurityGroupReferencingSupport?: string };
}
export interface TransitGateway {
  TransitGatewayId?: string;
  State?: string;
  Options?: { SecurityGroupReferencingSupport?: string };
}
export interface VpcEndpoint {
  VpcEndpointId?: string;
  VpcId?: string;
  ServiceName?: string;
  VpcEndpointType?: string;
  PrivateDnsEnabled?: boolean;
  State?: string;
  SubnetIds?: string[];
  Groups?: { GroupId?: string }[];
  RouteTableIds?: string[];
}
export interface NatGateway {
  NatGatewayId?: string;
  VpcId?: string;
  SubnetId?: string;
  State?: string;
}

/** Everything the static network probes may read. A field left undefined was not readable (READ_DENIED). */
export interface NetworkDocs {
  vpcs?: Vpc[];
  subnets?: Subnet[];
  securityGroups?: SecurityGroup[];
  networkInterfaces?: NetworkInterface[];
  routeTables?: RouteTable[];
  networkAcls?: NetworkAcl[];
  peerings?: VpcPeeringConnection[];
  tgwAttachments?: TransitGatewayAttachment[];
  transitGateways?: TransitGateway[];
  vpcEndpoints?: VpcEndpoint[];
  natGateways?: NatGateway[];
  /** Managed prefix list id → its CIDRs (GetManagedPrefixListEntries). */
  prefixLists?: Record<string, string[]>;
}

export function vpcCidrs(vpc: Vpc | undefined): string[] {
  if (!vpc) return [];
  const cidrs = new Set<string>();
  if (vpc.CidrBlock) cidrs.add(vpc.CidrBlock);
  for (const a of vpc.CidrBlockAssociationSet ?? []) {
    const state = a.CidrBlockState?.State;
    if (a.CidrBlock && (!state || state === 'associated')) cidrs.add(a.CidrBlock);
  }
  return [...cidrs];
}

export function findVpc(docs: NetworkDocs, vpcId: string | undefined): Vpc | undefined {
  return vpcId ? docs.vpcs?.find((v) => v.VpcId === vpcId) : undefined;
}

/** The VPC whose CIDRs contain the address. */
export function vpcOfAddress(docs: NetworkDocs, ip: string): Vpc | undefined {
  return docs.vpcs?.find((v) => vpcCidrs(v).some((c) => cidrContains(c, ip)));
}

export function subnetOfAddress(docs: NetworkDocs, ip: string, vpcId?: string): Subnet | undefined {
  const candidates = (docs.subnets ?? []).filter((s) => !vpcId || s.VpcId === vpcId);
  return longestPrefixMatch(candidates, (s) => s.CidrBlock, ip);
}

export interface EniMatch {
  eni: NetworkInterface;
  /** How the ENI holds the address: one of its private IPs, or a delegated prefix (prefix delegation). */
  via: 'private-ip' | 'prefix';
  prefix?: string;
}

/** The ENI holding the address: a private IP of it, or inside one of its delegated /28 prefixes. */
export function findEniForAddress(enis: NetworkInterface[], ip: string): EniMatch | undefined {
  for (const eni of enis) {
    if (eni.PrivateIpAddress === ip || eni.PrivateIpAddresses?.some((p) => p.PrivateIpAddress === ip)) {
      return { eni, via: 'private-ip' };
    }
  }
  for (const eni of enis) {
    const prefix = eni.Ipv4Prefixes?.find((p) => p.Ipv4Prefix && cidrContains(p.Ipv4Prefix, ip));
    if (prefix) return { eni, via: 'prefix', prefix: prefix.Ipv4Prefix };
  }
  return undefined;
}

/** The primary ENI (device index 0) of the instance an ENI is attached to: where VPC CNI's SNAT sends traffic from. */
export function primaryEniOf(enis: NetworkInterface[], eni: NetworkInterface): NetworkInterface | undefined {
  const instanceId = eni.Attachment?.InstanceId;
  if (!instanceId) return undefined;
  if (eni.Attachment?.DeviceIndex === 0) return eni;
  return enis.find((e) => e.Attachment?.InstanceId === instanceId && e.Attachment?.DeviceIndex === 0);
}

export function groupIdsOf(eni: NetworkInterface): string[] {
  return (eni.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => !!g);
}

export interface EffectiveRouteTable {
  table: RouteTable | undefined;
  /** 'explicit' association, the VPC's 'main' table, or 'implicit' (none described: the local route only). */
  how: 'explicit' | 'main' | 'implicit';
  routes: Route[];
}

/** The route table that applies to a subnet, with the VPC's local routes added when the document omits them. */
export function routeTableForSubnet(docs: NetworkDocs, subnet: Subnet): EffectiveRouteTable {
  const tables = docs.routeTables ?? [];
  const vpc = findVpc(docs, subnet.VpcId);
  let table = tables.find((t) => t.Associations?.some((a) => a.SubnetId && a.SubnetId === subnet.SubnetId));
  let how: EffectiveRouteTable['how'] = 'explicit';
  if (!table) {
    table = tables.find((t) => t.VpcId === subnet.VpcId && t.Associations?.some((a) => a.Main));
    how = 'main';
  }
  if (!table) how = 'implicit';
  const routes = [...(table?.Routes ?? [])];
  for (const cidr of vpcCidrs(vpc)) {
    if (!routes.some((r) => r.DestinationCidrBlock === cidr && r.GatewayId === 'local')) {
      routes.push({ DestinationCidrBlock: cidr, GatewayId: 'local', State: 'active' });
    }
  }
  return { table, how, routes };
}

/**
 * Longest prefix match over a table's routes (prefix-list destinations expanded). A more specific route in state
 * `blackhole` still wins the match and drops the traffic, so it yields undefined (no usable route) rather than
 * falling back to a broader active one (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-longest-prefix-match).
 */
export function routeFor(docs: NetworkDocs, routes: Route[], ip: string): Route | undefined {
  const best = matchRoute(docs, routes, ip);
  return best && (!best.State || best.State === 'active') ? best : undefined;
}

function matchRoute(docs: NetworkDocs, routes: Route[], ip: string): Route | undefined {
  const expanded: { route: Route; cidr: string }[] = [];
  for (const r of routes) {
    if (r.DestinationCidrBlock) expanded.push({ route: r, cidr: r.DestinationCidrBlock });
    if (r.DestinationPrefixListId) {
      for (const c of docs.prefixLists?.[r.DestinationPrefixListId] ?? []) expanded.push({ route: r, cidr: c });
    }
  }
  return longestPrefixMatch(expanded, (e) => e.cidr, ip)?.route;
}

export function describeRouteTarget(r: Route): string {
  return (
    r.VpcPeeringConnectionId ??
    r.TransitGatewayId ??
    r.NatGatewayId ??
    r.NetworkInterfaceId ??
    r.GatewayId ??
    'unknown'
  );
}

/** The network ACL of a subnet: its explicit association, else the VPC's default; undefined = none described. */
export function naclForSubnet(docs: NetworkDocs, subnet: Subnet): NetworkAcl | undefined {
  const acls = docs.networkAcls ?? [];
  return (
    acls.find((a) => a.Associations?.some((as) => as.SubnetId === subnet.SubnetId)) ??
    acls.find((a) => a.VpcId === subnet.VpcId && a.IsDefault)
  );
}
