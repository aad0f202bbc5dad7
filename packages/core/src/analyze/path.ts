// Path analysis: can a packet from the pod's subnet reach the target's address, and the answer come back?
// Same VPC (the local route), or an active VPC peering / transit gateway attachment with routes in BOTH
// directions (longest prefix match in each subnet's route table; peering is not transitive), and the network
// ACLs of both subnets — stateless, so the return leg to the client's ephemeral port must be allowed too.
// https://docs.aws.amazon.com/vpc/latest/peering/peering-configurations-partial-access.html
// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
import type { Evidence, Finding } from '../types.ts';
import { cidrContains, isPrivateAddress } from './cidr.ts';
import {
  describeRouteTarget,
  naclForSubnet,
  routeFor,
  routeTableForSubnet,
  subnetOfAddress,
  vpcCidrs,
  vpcOfAddress,
  findVpc,
  type NetworkAcl,
  type NetworkDocs,
  type Route,
  type Subnet,
} from './ec2-docs.ts';

export interface PathSource {
  /** The pod's address (its subnet places it). */
  podIp: string;
  /** The address the far side sees and answers to (the node's IP after VPC CNI SNAT, else the pod IP). */
  replyIp: string;
  subnetId?: string;
  vpcId?: string;
}

export interface PathTarget {
  name: string;
  port: number;
  addresses: string[];
  vpcId?: string;
  /** Subnets the target may live in (RDS subnet group), used when no address is known. */
  subnetIds?: string[];
  region?: string;
}

// Linux's default ephemeral port range (net.ipv4.ip_local_port_range): where the replies go.
const EPHEMERAL = [32768, 60999];

/** First-match evaluation of a NACL direction (rule number order; the implicit `*` rule denies). */
export function naclDecision(
  acl: NetworkAcl,
  egress: boolean,
  remoteIp: string,
  port: number,
): { allowed: boolean; rule: string } {
  const entries = (acl.Entries ?? [])
    .filter((e) => !!e.Egress === egress)
    .sort((a, b) => (a.RuleNumber ?? 32767) - (b.RuleNumber ?? 32767));
  for (const e of entries) {
    const proto = String(e.Protocol ?? '-1');
    if (proto !== '-1' && proto !== '6' && proto.toLowerCase() !== 'tcp' && proto !== 'all') continue;
    if (proto !== '-1' && proto !== 'all' && e.PortRange && (port < (e.PortRange.From ?? 0) || port > (e.PortRange.To ?? 65535))) continue;
    if (!e.CidrBlock || !cidrContains(e.CidrBlock, remoteIp)) continue;
    const allowed = String(e.RuleAction).toLowerCase() === 'allow';
    const rn = e.RuleNumber === 32767 || e.RuleNumber === undefined ? '*' : String(e.RuleNumber);
    return { allowed, rule: `${acl.NetworkAclId} ${egress ? 'outbound' : 'inbound'} rule ${rn} ${allowed ? 'allows' : 'denies'} ${e.CidrBlock}` };
  }
  return { allowed: false, rule: `${acl.NetworkAclId} ${egress ? 'outbound' : 'inbound'}: no rule matches (the implicit * rule denies)` };
}

interface Leg {
  subnet: Subnet;
  egress: boolean;
  remoteIp: string;
  ports: number[];
  what: string;
}

function checkNacls(docs: NetworkDocs, legs: Leg[]): { denied?: { leg: Leg; rule: string; acl: NetworkAcl; port: number }; notes: string[] } {
  const notes: string[] = [];
  for (const leg of legs) {
    const acl = naclForSubnet(docs, leg.subnet);
    if (!acl) continue; // none described: the default NACL allows all
    for (const port of leg.ports) {
      const d = naclDecision(acl, leg.egress, leg.remoteIp, port);
      if (!d.allowed) return { denied: { leg, rule: d.rule, acl, port }, notes };
      notes.push(`${leg.what}: ${d.rule}`);
    }
  }
  return { notes };
}

function connectionsBetween(docs: NetworkDocs, a: string, b: string) {
  const peerings = (docs.peerings ?? []).filter((p) => {
    const r = p.RequesterVpcInfo?.VpcId;
    const x = p.AccepterVpcInfo?.VpcId;
    return (r === a && x === b) || (r === b && x === a);
  });
  const attachA = (docs.tgwAttachments ?? []).filter((t) => t.ResourceId === a && (t.State ?? 'available') === 'available');
  const attachB = (docs.tgwAttachments ?? []).filter((t) => t.ResourceId === b && (t.State ?? 'available') === 'available');
  const tgws = attachA.map((t) => t.TransitGatewayId).filter((id) => attachB.some((t) => t.TransitGatewayId === id)) as string[];
  return {
    activePeerings: peerings.filter((p) => p.Status?.Code === 'active'),
    inactivePeerings: peerings.filter((p) => p.Status?.Code !== 'active'),
    tgws,
  };
}

function routeUses(route: Route | undefined, peeringIds: string[], tgws: string[]): boolean {
  if (!route) return false;
  return (
    (!!route.VpcPeeringConnectionId && peeringIds.includes(route.VpcPeeringConnectionId)) ||
    (!!route.TransitGatewayId && tgws.includes(route.TransitGatewayId))
  );
}

/** One finding per problem on the path to the target (OK when the whole path holds). */
export function analyzePath(docs: NetworkDocs, source: PathSource, target: PathTarget): Finding[] {
  const srcSubnet =
    (source.subnetId && docs.subnets?.find((s) => s.SubnetId === source.subnetId)) ||
    subnetOfAddress(docs, source.podIp, source.vpcId);
  const srcVpcId = srcSubnet?.VpcId ?? source.vpcId ?? vpcOfAddress(docs, source.podIp)?.VpcId;
  const base: Evidence = { podIp: source.podIp, replyIp: source.replyIp, sourceSubnet: srcSubnet?.SubnetId ?? null, sourceVpc: srcVpcId ?? null, port: target.port };
  if (!srcSubnet || !srcVpcId) {
    return [{ code: 'NOT_APPLICABLE', summary: `The pod's address ${source.podIp} is in no subnet described here`, evidence: base }];
  }
  // Destinations: the target's addresses, else a representative address of each of its subnets.
  const dests: { ip: string; subnet?: Subnet; label: string }[] = target.addresses.map((ip) => ({ ip, subnet: undefined, label: ip }));
  if (!dests.length) {
    for (const id of target.subnetIds ?? []) {
      const s = docs.subnets?.find((x) => x.SubnetId === id);
      if (s?.CidrBlock) {
        const [addr] = s.CidrBlock.split('/');
        const parts = (addr ?? '').split('.');
        parts[3] = String(Number(parts[3]) + 4);
        dests.push({ ip: parts.join('.'), subnet: s, label: `subnet ${id} (${s.CidrBlock})` });
      }
    }
  }
  if (!dests.length) {
    return [{ code: 'NOT_APPLICABLE', summary: `No address or subnet of ${target.name} is known here`, evidence: base }];
  }
  const findings: Finding[] = [];
  const notes: string[] = [];
  const srcRt = routeTableForSubnet(docs, srcSubnet);
  for (const dest of dests) {
    const dstVpc = (target.vpcId && findVpc(docs, target.vpcId)?.VpcId) || vpcOfAddress(docs, dest.ip)?.VpcId || target.vpcId;
    const dstSubnet = dest.subnet ?? subnetOfAddress(docs, dest.ip, dstVpc);
    const ev: Evidence = { ...base, address: dest.label, targetVpc: dstVpc ?? null, targetSubnet: dstSubnet?.SubnetId ?? null, sourceRouteTable: srcRt.table?.RouteTableId ?? `${srcRt.how} (local only)` };
    const fwd = routeFor(docs, srcRt.routes, dest.ip);
    if (!dstVpc) {
      // The address is in no VPC visible here.
      if (fwd && (fwd.VpcPeeringConnectionId || fwd.TransitGatewayId)) {
        notes.push(`${dest.label}: routed to ${describeRouteTarget(fwd)}; the far side is not visible from this account`);
        continue;
      }
      if (isPrivateAddress(dest.ip)) {
        findings.push({
          code: 'VPC_NOT_CONNECTED',
          summary: `${target.name} (${dest.label}) is a private address in no VPC visible here, and ${srcRt.table?.RouteTableId ?? 'the pod subnet’s route table'} has no peering or transit gateway route to it`,
          evidence: { ...ev, forwardRoute: fwd ? `${fwd.DestinationCidrBlock} → ${describeRouteTarget(fwd)}` : null },
          remedy: { text: `Connect the pod's VPC ${srcVpcId} with the VPC holding ${dest.ip} (VPC peering or a transit gateway), and route ${dest.ip} through it.` },
        });
        continue;
      }
      if (!fwd || fwd.GatewayId === 'local') {
        findings.push({
          code: 'ROUTE_MISSING',
          summary: `${srcRt.table?.RouteTableId ?? 'The pod subnet’s route table'} has no route to ${dest.ip} (${target.name}): no NAT gateway or internet gateway default route`,
          evidence: { ...ev, direction: 'forward' },
          remedy: { text: `Add a default route through a NAT gateway to ${srcRt.table?.RouteTableId ?? 'the pod subnet’s route table'}, or reach ${target.name} through a VPC endpoint.` },
        });
        continue;
      }
      notes.push(`${dest.label}: public, via ${describeRouteTarget(fwd)}`);
      continue;
    }
    if (dstVpc === srcVpcId) {
      const sameVpcLegs = dstSubnet && dstSubnet.SubnetId !== srcSubnet.SubnetId;
      notes.push(`${dest.label}: same VPC ${dstVpc} (local route)`);
      if (sameVpcLegs && dstSubnet) {
        const legs: Leg[] = [
          { subnet: srcSubnet, egress: true, remoteIp: dest.ip, ports: [target.port], what: `pod subnet ${srcSubnet.SubnetId} outbound` },
          { subnet: dstSubnet, egress: false, remoteIp: source.podIp, ports: [target.port], what: `target subnet ${dstSubnet.SubnetId} inbound` },
          { subnet: dstSubnet, egress: true, remoteIp: source.podIp, ports: EPHEMERAL, what: `target subnet ${dstSubnet.SubnetId} outbound (return)` },
          { subnet: srcSubnet, egress: false, remoteIp: dest.ip, ports: EPHEMERAL, what: `pod subnet ${srcSubnet.SubnetId} inbound (return)` },
        ];
        naclFinding(docs, legs, ev, target, findings, notes);
      }
      continue;
    }
    // Different VPCs: a connection, then routes both ways.
    const conn = connectionsBetween(docs, srcVpcId, dstVpc);
    const peeringIds = conn.activePeerings.map((p) => p.VpcPeeringConnectionId ?? '');
    if (!conn.activePeerings.length && !conn.tgws.length && fwd?.VpcPeeringConnectionId) {
      // An attempt at transitive routing: the route uses a peering that does not join these two VPCs.
      findings.push({
        ...routeMissing('forward', srcRt.table?.RouteTableId, vpcCidrs(findVpc(docs, dstVpc))[0] ?? `${dest.ip}/32`, { flag: '--vpc-peering-connection-id', id: '<a peering between ' + srcVpcId + ' and ' + dstVpc + '>' }, fwd, ev, target, `from the pod's subnet ${srcSubnet.SubnetId} to ${target.name} (${dest.ip})`),
        causes: ['VPC_NOT_CONNECTED'],
        remedy: {
          text: `Peering is not transitive: ${fwd.VpcPeeringConnectionId} does not join ${srcVpcId} and ${dstVpc}. Peer them directly (or use a transit gateway) and route ${dstVpc}'s CIDR through it.`,
          commands: [`aws ec2 create-vpc-peering-connection --vpc-id ${srcVpcId} --peer-vpc-id ${dstVpc}${target.region ? ` --region ${target.region}` : ''}`],
        },
      });
      continue;
    }
    if (!conn.activePeerings.length && !conn.tgws.length) {
      const inactive = conn.inactivePeerings.map((p) => `${p.VpcPeeringConnectionId} (${p.Status?.Code})`);
      findings.push({
        code: 'VPC_NOT_CONNECTED',
        summary:
          `${target.name} is in ${dstVpc}, the pod in ${srcVpcId}, and no active peering or transit gateway attachment joins them` +
          (inactive.length ? ` (peering ${inactive.join(', ')} is not active)` : '') +
          (fwd && fwd.VpcPeeringConnectionId ? `; ${fwd.VpcPeeringConnectionId} joins other VPCs (peering is not transitive)` : ''),
        evidence: { ...ev, inactivePeerings: inactive },
        remedy: peeringRemedy(docs, { srcVpcId, dstVpc, srcRtId: srcRt.table?.RouteTableId, dstRtId: dstSubnet ? routeTableForSubnet(docs, dstSubnet).table?.RouteTableId : undefined, pending: conn.inactivePeerings[0]?.VpcPeeringConnectionId, region: target.region }),
      });
      continue;
    }
    const via = peeringIds[0] ? { flag: '--vpc-peering-connection-id', id: peeringIds[0] } : { flag: '--transit-gateway-id', id: conn.tgws[0] };
    if (!routeUses(fwd, peeringIds, conn.tgws)) {
      const dstCidr = vpcCidrs(findVpc(docs, dstVpc))[0] ?? `${dest.ip}/32`;
      findings.push(routeMissing('forward', srcRt.table?.RouteTableId, dstCidr, via, fwd, ev, target, `from the pod's subnet ${srcSubnet.SubnetId} to ${target.name} (${dest.ip})`));
      continue;
    }
    if (!dstSubnet) {
      notes.push(`${dest.label}: ${describeRouteTarget(fwd!)}; the target's subnet is not described (return route unchecked)`);
      continue;
    }
    const dstRt = routeTableForSubnet(docs, dstSubnet);
    const back = routeFor(docs, dstRt.routes, source.replyIp);
    if (!routeUses(back, peeringIds, conn.tgws)) {
      const srcCidr = vpcCidrs(findVpc(docs, srcVpcId)).find((c) => cidrContains(c, source.replyIp)) ?? `${source.replyIp}/32`;
      findings.push(routeMissing('return', dstRt.table?.RouteTableId, srcCidr, via, back, { ...ev, targetRouteTable: dstRt.table?.RouteTableId ?? null }, target, `from ${target.name}'s subnet ${dstSubnet.SubnetId} back to ${source.replyIp}`));
      continue;
    }
    notes.push(`${dest.label}: ${describeRouteTarget(fwd!)} both ways`);
    const legs: Leg[] = [
      { subnet: srcSubnet, egress: true, remoteIp: dest.ip, ports: [target.port], what: `pod subnet ${srcSubnet.SubnetId} outbound` },
      { subnet: dstSubnet, egress: false, remoteIp: source.replyIp, ports: [target.port], what: `target subnet ${dstSubnet.SubnetId} inbound` },
      { subnet: dstSubnet, egress: true, remoteIp: source.replyIp, ports: EPHEMERAL, what: `target subnet ${dstSubnet.SubnetId} outbound (return)` },
      { subnet: srcSubnet, egress: false, remoteIp: dest.ip, ports: EPHEMERAL, what: `pod subnet ${srcSubnet.SubnetId} inbound (return)` },
    ];
    naclFinding(docs, legs, ev, target, findings, notes);
  }
  if (!findings.length) findings.push({ code: 'OK', summary: `Path to ${target.name} holds: ${notes.join('; ')}`, evidence: { ...base, path: notes } });
  return findings;
}

/**
 * Peering two VPCs end to end: create (or accept a pending request), then a route each way — a peering carries
 * nothing until both route tables send the other VPC's CIDR through it. A new peering's id is only known once
 * created, so the route commands name it as the first command prints it.
 */
function peeringRemedy(docs: NetworkDocs, p: { srcVpcId: string; dstVpc: string; srcRtId?: string; dstRtId?: string; pending?: string; region?: string }): { text: string; commands: string[] } {
  const r = p.region ? ` --region ${p.region}` : '';
  const pcx = p.pending ?? '<VpcPeeringConnectionId printed by the first command>';
  const srcCidr = vpcCidrs(findVpc(docs, p.srcVpcId))[0] ?? `<${p.srcVpcId} CIDR>`;
  const dstCidr = vpcCidrs(findVpc(docs, p.dstVpc))[0] ?? `<${p.dstVpc} CIDR>`;
  const commands = [
    p.pending
      ? `aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${p.pending}${r}`
      : `aws ec2 create-vpc-peering-connection --vpc-id ${p.srcVpcId} --peer-vpc-id ${p.dstVpc}${r}`,
    ...(p.pending ? [] : [`aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id ${pcx}${r}`]),
    `aws ec2 create-route --route-table-id ${p.srcRtId ?? `<route table of the pod's subnet in ${p.srcVpcId}>`} --destination-cidr-block ${dstCidr} --vpc-peering-connection-id ${pcx}${r}`,
    `aws ec2 create-route --route-table-id ${p.dstRtId ?? `<route table of the target's subnet in ${p.dstVpc}>`} --destination-cidr-block ${srcCidr} --vpc-peering-connection-id ${pcx}${r}`,
  ];
  return {
    text: p.pending
      ? `Accept the pending peering ${p.pending} and route each VPC's CIDR through it, both ways.`
      : `Peer ${p.srcVpcId} with ${p.dstVpc} (or attach both to a transit gateway), accept it, and route each VPC's CIDR through it, both ways. Security groups across the peering must then admit the pod (or the node, after SNAT).`,
    commands,
  };
}

function routeMissing(
  direction: 'forward' | 'return',
  tableId: string | undefined,
  cidr: string,
  via: { flag: string; id: string | undefined },
  found: Route | undefined,
  ev: Evidence,
  target: PathTarget,
  what: string,
): Finding {
  const table = tableId ?? 'the subnet’s route table';
  const transitive = found?.VpcPeeringConnectionId ? ` (its route for it uses ${found.VpcPeeringConnectionId}, which does not join these VPCs: peering is not transitive)` : '';
  return {
    code: 'ROUTE_MISSING',
    summary: `No route ${what} through ${via.id}: ${table} sends ${cidr} to ${found ? describeRouteTarget(found) : 'nowhere'}${transitive}`,
    evidence: { ...ev, direction, routeTable: tableId ?? null, destination: cidr, foundRoute: found ? `${found.DestinationCidrBlock ?? found.DestinationPrefixListId} → ${describeRouteTarget(found)}` : null },
    remedy: {
      text: `Route ${cidr} through ${via.id} in ${table} (${direction === 'return' ? 'the return direction' : 'towards the target'}).`,
      commands: tableId
        ? [`aws ec2 create-route --route-table-id ${tableId} --destination-cidr-block ${cidr} ${via.flag} ${via.id}${target.region ? ` --region ${target.region}` : ''}`]
        : undefined,
    },
  };
}

function naclFinding(docs: NetworkDocs, legs: Leg[], ev: Evidence, target: PathTarget, findings: Finding[], notes: string[]) {
  const r = checkNacls(docs, legs);
  // Each return leg is checked at two ephemeral ports; say each allowing rule once.
  for (const n of r.notes) if (!notes.includes(n)) notes.push(n);
  if (!r.denied) return;
  const { leg, rule, acl, port } = r.denied;
  const isReturn = leg.what.includes('(return)');
  const ruleAction = leg.egress ? '--egress' : '--ingress';
  findings.push({
    code: 'NACL_DENY',
    summary: `${rule}: ${leg.what} ${isReturn ? `to ephemeral port ${port}` : `on port ${port}`} (${target.name}). Network ACLs are stateless: both directions need a rule.`,
    evidence: { ...ev, networkAcl: acl.NetworkAclId ?? null, subnet: leg.subnet.SubnetId ?? null, leg: leg.what, rule, remoteAddress: leg.remoteIp },
    remedy: {
      text: `Allow ${isReturn ? 'the return traffic (TCP 1024-65535)' : `TCP ${target.port}`} ${leg.egress ? 'to' : 'from'} ${leg.remoteIp} in ${acl.NetworkAclId}, numbered before the rule that denies it.`,
      commands: [
        `aws ec2 create-network-acl-entry --network-acl-id ${acl.NetworkAclId} ${ruleAction} --rule-number ${firstFreeRuleNumber(acl, leg.egress)} --protocol tcp --port-range ${isReturn ? 'From=1024,To=65535' : `From=${target.port},To=${target.port}`} --cidr-block ${leg.remoteIp}/32 --rule-action allow${target.region ? ` --region ${target.region}` : ''}`,
      ],
    },
  });
}

function firstFreeRuleNumber(acl: NetworkAcl, egress: boolean): number {
  const used = new Set((acl.Entries ?? []).filter((e) => !!e.Egress === egress).map((e) => e.RuleNumber));
  const lowest = Math.min(...[...used].filter((n): n is number => typeof n === 'number' && n !== 32767), 100);
  for (let n = Math.max(1, lowest - 1); n >= 1; n--) if (!used.has(n)) return n;
  return 1;
}

export interface EgressExplanation {
  /** Root-cause codes (ROUTE_MISSING, or a security-group code for an interface endpoint). */
  causes: string[];
  /** What was found, one line each. */
  notes: string[];
  remedy?: { text: string; commands?: string[] };
}

/**
 * Why a public endpoint times out from the pod's subnet: no route to it (no NAT gateway default route), a NAT
 * gateway that is not available, or one that sits in a subnet without an internet gateway route (NAT in the
 * wrong subnet). Returns no causes when the documents show a working path (the drop is elsewhere).
 */
export function explainPublicEgress(docs: NetworkDocs, source: { podIp: string; subnetId?: string; vpcId?: string }, dest: string, region?: string): EgressExplanation {
  const subnet = (source.subnetId && docs.subnets?.find((s) => s.SubnetId === source.subnetId)) || subnetOfAddress(docs, source.podIp, source.vpcId);
  if (!subnet) return { causes: [], notes: [`the pod's subnet is not described`] };
  const rt = routeTableForSubnet(docs, subnet);
  const table = rt.table?.RouteTableId ?? `the main route table of ${subnet.VpcId}`;
  const route = routeFor(docs, rt.routes, dest);
  const r = region ? ` --region ${region}` : '';
  if (!route || route.GatewayId === 'local') {
    const nat = docs.natGateways?.find((n) => n.VpcId === subnet.VpcId && (n.State ?? 'available') === 'available');
    return {
      causes: ['ROUTE_MISSING'],
      notes: [`${table} (pod subnet ${subnet.SubnetId}) has no route for ${dest}: no 0.0.0.0/0 to a NAT gateway`],
      remedy: {
        text: `Route 0.0.0.0/0 from ${table} through a NAT gateway in a public subnet, or add interface VPC endpoints for the AWS services the gateway calls.`,
        commands: rt.table?.RouteTableId && nat?.NatGatewayId ? [`aws ec2 create-route --route-table-id ${rt.table.RouteTableId} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id ${nat.NatGatewayId}${r}`] : undefined,
      },
    };
  }
  if (route.NatGatewayId) {
    const nat = docs.natGateways?.find((n) => n.NatGatewayId === route.NatGatewayId);
    if (nat && (nat.State ?? 'available') !== 'available') {
      return { causes: ['ROUTE_MISSING'], notes: [`${table} sends ${dest} to ${nat.NatGatewayId}, which is ${nat.State}`], remedy: { text: `Replace ${nat.NatGatewayId} (${nat.State}) and point ${table}'s default route at the new NAT gateway.` } };
    }
    const natSubnet = nat?.SubnetId ? docs.subnets?.find((s) => s.SubnetId === nat.SubnetId) : undefined;
    if (natSubnet) {
      const natRt = routeTableForSubnet(docs, natSubnet);
      const out = routeFor(docs, natRt.routes, dest);
      if (!out?.GatewayId?.startsWith('igw-')) {
        return {
          causes: ['ROUTE_MISSING'],
          notes: [`${nat!.NatGatewayId} sits in ${natSubnet.SubnetId}, whose route table ${natRt.table?.RouteTableId ?? '(main)'} has no internet gateway route: a NAT gateway must be in a public subnet`],
          remedy: { text: `Create the NAT gateway in a public subnet (one whose route table sends 0.0.0.0/0 to an internet gateway), then route ${table} through it.` },
        };
      }
    }
  }
  return { causes: [], notes: [`${table} sends ${dest} to ${describeRouteTarget(route)}`] };
}
