// EC2's wire names. `aws ec2 describe-* --output json` prints PascalCase member names; on the wire EC2 uses
// each member's locationName: usually the lowerCamel form, but many lists are renamed (SecurityGroups ->
// securityGroupInfo, UserIdGroupPairs -> groups, Vpcs -> vpcSet). ec2Wire() converts DescribeX-shaped JSON to
// those names; the table below holds the renames, and `Parent.Member` entries the ones that depend on where
// the member sits (a SecurityGroup's Description is groupDescription, an IpRange's is description).
// Names checked against the EC2 API reference's response elements.

export const EC2_WIRE_NAMES: Record<string, string> = {
  // DescribeX top-level result lists
  SecurityGroups: 'securityGroupInfo',
  Vpcs: 'vpcSet',
  Subnets: 'subnetSet',
  NetworkInterfaces: 'networkInterfaceSet',
  RouteTables: 'routeTableSet',
  NetworkAcls: 'networkAclSet',
  VpcPeeringConnections: 'vpcPeeringConnectionSet',
  TransitGatewayAttachments: 'transitGatewayAttachments',
  TransitGatewayVpcAttachments: 'transitGatewayVpcAttachments',
  VpcEndpoints: 'vpcEndpointSet',
  NatGateways: 'natGatewaySet',
  PrefixLists: 'prefixListSet',
  Reservations: 'reservationSet',
  Instances: 'instancesSet',
  InternetGateways: 'internetGatewaySet',
  SecurityGroupRules: 'securityGroupRuleSet',
  // security groups
  'SecurityGroups.Description': 'groupDescription',
  IpPermissions: 'ipPermissions',
  IpPermissionsEgress: 'ipPermissionsEgress',
  UserIdGroupPairs: 'groups',
  IpRanges: 'ipRanges',
  Ipv6Ranges: 'ipv6Ranges',
  PrefixListIds: 'prefixListIds',
  Tags: 'tagSet',
  // network interfaces / instances
  Groups: 'groupSet',
  'Instances.SecurityGroups': 'groupSet',
  PrivateIpAddresses: 'privateIpAddressesSet',
  Ipv6Addresses: 'ipv6AddressesSet',
  'Instances.NetworkInterfaces': 'networkInterfaceSet',
  // VPCs and subnets
  CidrBlockAssociationSet: 'cidrBlockAssociationSet',
  Ipv6CidrBlockAssociationSet: 'ipv6CidrBlockAssociationSet',
  // route tables
  Routes: 'routeSet',
  Associations: 'associationSet',
  PropagatingVgws: 'propagatingVgwSet',
  // network ACLs
  Entries: 'entrySet',
  'NetworkAcls.IsDefault': 'default',
  // peering
  CidrBlockSet: 'cidrBlockSet',
  Ipv6CidrBlockSet: 'ipv6CidrBlockSet',
  // VPC endpoints
  RouteTableIds: 'routeTableIdSet',
  SubnetIds: 'subnetIdSet',
  DnsEntries: 'dnsEntrySet',
  NetworkInterfaceIds: 'networkInterfaceIdSet',
  // NAT gateways
  NatGatewayAddresses: 'natGatewayAddressSet',
};

function lowerCamel(k: string): string {
  // VpcId -> vpcId, IPv6... keeps the rest; leading acronyms like 'DNSName' are not EC2 members.
  return k.charAt(0).toLowerCase() + k.slice(1);
}

/** Convert PascalCase DescribeX JSON to EC2 wire names. Keys already in lowerCamel are left alone. */
export function ec2Wire(value: unknown, overrides: Record<string, string> = {}, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => ec2Wire(v, overrides, parent));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const isPascal = /^[A-Z]/.test(k);
    const name = !isPascal ? k
      : overrides[`${parent}.${k}`] ?? overrides[k] ?? EC2_WIRE_NAMES[`${parent}.${k}`] ?? EC2_WIRE_NAMES[k] ?? lowerCamel(k);
    out[name] = ec2Wire(v, overrides, Array.isArray(v) || (v && typeof v === 'object') ? k : parent);
  }
  return out;
}
