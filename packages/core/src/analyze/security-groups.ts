// Security-group analysis: does a rule of the target's groups admit the port from the groups (or the address)
// this pod's traffic carries, and do those groups allow the egress? Pure: EC2 documents in, findings out.
// AWS rules applied: groups are stateful and permissive (the union of an ENI's groups' rules decides; return
// traffic is always allowed); a rule names a protocol (-1 = all, ports ignored), a port range, and sources as
// CIDRs, prefix lists or group references; a group reference matches traffic from an ENI carrying that group —
// in the same VPC, across a same-region peering, or across a transit gateway with security group referencing
// enabled — and never traffic that arrives from a translated (NAT gateway / public) address.
// https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
import type { Evidence, Finding } from '../types.ts';
import { cidrContains } from './cidr.ts';
import type { IpPermission, NetworkDocs, SecurityGroup } from './ec2-docs.ts';

export interface SgSource {
  /** The source address as the target sees it (the pod IP, or the node IP after VPC CNI's SNAT). */
  ip?: string;
  /** The groups the traffic carries (the ENI it leaves through). */
  groupIds: string[];
  vpcId?: string;
  /** Said in summaries: where the groups came from (the pod's ENI, or the cluster security group on a laptop). */
  basis: string;
  translation: 'none' | 'node-snat' | 'nat-gateway';
  /** The address the traffic leaves with through a NAT gateway (its public IP), when known. */
  natAddress?: string;
  /** The group to name in a remedy (the cluster security group when the pod carries it). */
  preferredGroupId?: string;
}

export interface SgTarget {
  name: string;
  port: number;
  groupIds: string[];
  vpcId?: string;
  /** The target's addresses (may be empty when not known here). */
  addresses: string[];
  region?: string;
}

export function protocolAdmitsTcp(p: IpPermission): boolean {
  const proto = String(p.IpProtocol ?? '').toLowerCase();
  return proto === '-1' || proto === 'tcp' || proto === '6' || proto === 'all';
}

export function permissionCoversPort(p: IpPermission, port: number): boolean {
  if (!protocolAdmitsTcp(p)) return false;
  const proto = String(p.IpProtocol ?? '').toLowerCase();
  if (proto === '-1' || proto === 'all') return true;
  const from = p.FromPort ?? -1;
  const to = p.ToPort ?? -1;
  if (from === -1 && to === -1) return true;
  return port >= from && port <= to;
}

function portText(p: IpPermission): string {
  const proto = String(p.IpProtocol ?? '');
  if (proto === '-1') return 'all traffic';
  return p.FromPort === p.ToPort ? `${proto} ${p.FromPort}` : `${proto} ${p.FromPort}-${p.ToPort}`;
}

/** Why a group reference from `fromVpc` into a group of `toVpc` can or cannot match. */
export function groupReferenceReach(
  docs: NetworkDocs,
  fromVpc: string | undefined,
  toVpc: string | undefined,
): { usable: boolean; via: string } {
  if (!fromVpc || !toVpc || fromVpc === toVpc) return { usable: true, via: 'same VPC' };
  const peering = (docs.peerings ?? []).find((p) => {
    const a = p.RequesterVpcInfo?.VpcId;
    const b = p.AccepterVpcInfo?.VpcId;
    const joins = (a === fromVpc && b === toVpc) || (a === toVpc && b === fromVpc);
    const sameRegion =
      !p.RequesterVpcInfo?.Region || !p.AccepterVpcInfo?.Region || p.RequesterVpcInfo.Region === p.AccepterVpcInfo.Region;
    return joins && p.Status?.Code === 'active' && sameRegion;
  });
  if (peering) return { usable: true, via: `same-region peering ${peering.VpcPeeringConnectionId}` };
  const attachments = (docs.tgwAttachments ?? []).filter(
    (a) => a.ResourceType === 'vpc' && (a.State ?? 'available') === 'available',
  );
  for (const a of attachments.filter((x) => x.ResourceId === fromVpc)) {
    const b = attachments.find((x) => x.ResourceId === toVpc && x.TransitGatewayId === a.TransitGatewayId);
    if (!b) continue;
    const tgw = docs.transitGateways?.find((t) => t.TransitGatewayId === a.TransitGatewayId);
    const enabled = (o?: { SecurityGroupReferencingSupport?: string }) => o?.SecurityGroupReferencingSupport === 'enable';
    const attachmentsEnable = [a, b].every((x) => x.Options === undefined || enabled(x.Options));
    if (enabled(tgw?.Options) && attachmentsEnable) {
      return { usable: true, via: `transit gateway ${a.TransitGatewayId} with security group referencing` };
    }
    return { usable: false, via: `transit gateway ${a.TransitGatewayId} without security group referencing enabled` };
  }
  return { usable: false, via: 'no same-region peering or transit gateway joins the VPCs' };
}

interface RuleHit {
  groupId: string;
  text: string;
}

function sourcesOf(p: IpPermission): string {
  const parts = [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp ?? ''),
    ...(p.UserIdGroupPairs ?? []).map((g) => g.GroupId ?? ''),
    ...(p.PrefixListIds ?? []).map((l) => l.PrefixListId ?? ''),
  ].filter(Boolean);
  return parts.join(', ') || 'nothing';
}

function remedyCommand(target: SgTarget, groupId: string, source: { group?: string; cidr?: string }): string {
  const from = source.group ? `--source-group ${source.group}` : `--cidr ${source.cidr}`;
  const region = target.region ? ` --region ${target.region}` : '';
  return `aws ec2 authorize-security-group-ingress --group-id ${groupId} --protocol tcp --port ${target.port} ${from}${region}`;
}

/**
 * Ingress into the target's groups and egress out of the source's groups, one finding each when something is
 * wrong, one OK otherwise. `undefined` when the target's groups are unknown (the probe says NOT_APPLICABLE).
 */
export function analyzeSecurityGroups(docs: NetworkDocs, source: SgSource, target: SgTarget): Finding[] {
  const groups = docs.securityGroups ?? [];
  const byId = new Map(groups.map((g) => [g.GroupId ?? '', g] as const));
  const targetGroups = target.groupIds.map((id) => byId.get(id)).filter((g): g is SecurityGroup => !!g);
  const missingGroups = target.groupIds.filter((id) => !byId.has(id));
  const ref = groupReferenceReach(docs, source.vpcId, target.vpcId);
  const refUsable = source.translation !== 'nat-gateway' && ref.usable;
  const seenFrom = source.translation === 'nat-gateway' ? source.natAddress : source.ip;
  const base: Evidence = {
    port: target.port,
    targetGroups: target.groupIds,
    sourceGroups: source.groupIds,
    sourceBasis: source.basis,
    sourceAddress: seenFrom ?? null,
    translation: source.translation,
    groupReference: ref.via,
  };
  if (missingGroups.length) base.targetGroupsNotDescribed = missingGroups;
  const findings: Finding[] = [];

  // ---- ingress ----
  const onPort: { group: SecurityGroup; perm: IpPermission }[] = [];
  for (const group of targetGroups) {
    for (const perm of group.IpPermissions ?? []) {
      if (permissionCoversPort(perm, target.port)) onPort.push({ group, perm });
    }
  }
  const rulesOnPort = onPort.map(({ group, perm }) => `${group.GroupId}: ${portText(perm)} from ${sourcesOf(perm)}`);
  let admitted: RuleHit | undefined;
  let blockedByTranslation: RuleHit | undefined;
  const namedGroups = new Set<string>();
  for (const { group, perm } of onPort) {
    const gid = group.GroupId ?? '';
    for (const r of perm.IpRanges ?? []) {
      if (r.CidrIp && seenFrom && cidrContains(r.CidrIp, seenFrom)) admitted ??= { groupId: gid, text: `${gid}: ${portText(perm)} from ${r.CidrIp}` };
    }
    for (const l of perm.PrefixListIds ?? []) {
      const cidrs = l.PrefixListId ? docs.prefixLists?.[l.PrefixListId] ?? [] : [];
      const hit = seenFrom ? cidrs.find((c) => cidrContains(c, seenFrom)) : undefined;
      if (hit) admitted ??= { groupId: gid, text: `${gid}: ${portText(perm)} from prefix list ${l.PrefixListId} (${hit})` };
    }
    for (const pair of perm.UserIdGroupPairs ?? []) {
      if (!pair.GroupId) continue;
      if (source.groupIds.includes(pair.GroupId)) {
        const hit = { groupId: gid, text: `${gid}: ${portText(perm)} from ${pair.GroupId}` };
        if (refUsable) admitted ??= hit;
        else blockedByTranslation ??= hit;
      } else {
        namedGroups.add(pair.GroupId);
      }
    }
  }
  const remedyGroup = source.preferredGroupId ?? source.groupIds[0];
  const firstTargetGroup = target.groupIds[0] ?? '';
  if (admitted) {
    // fall through to egress; OK is emitted at the end when nothing else is wrong
  } else if (blockedByTranslation) {
    const cidr = seenFrom ? `${seenFrom}/32` : undefined;
    findings.push({
      code: 'SG_REFERENCE_ACROSS_NAT',
      summary:
        `${blockedByTranslation.text} names a group this pod carries, but the traffic reaches ${target.name} ` +
        (source.translation === 'nat-gateway'
          ? `through a NAT gateway (from ${seenFrom ?? 'its public address'}), where a group reference cannot match`
          : `from another VPC over a path where group references do not work (${ref.via})`),
      evidence: { ...base, rulesOnPort, rule: blockedByTranslation.text },
      remedy: {
        text: cidr
          ? `Reach the target over a private path (same VPC, peering or VPC endpoint), or admit the address the traffic arrives from (${cidr}).`
          : 'Reach the target over a private path (same VPC, peering or VPC endpoint) so the group reference can match.',
        commands: cidr ? [remedyCommand(target, blockedByTranslation.groupId, { cidr })] : undefined,
      },
    });
  } else if (namedGroups.size > 0 && remedyGroup) {
    const named = [...namedGroups];
    findings.push({
      code: 'SG_SOURCE_NOT_CARRIED',
      summary:
        `${firstTargetGroup} admits port ${target.port} only from ${named.join(', ')}, which this pod's traffic does not ` +
        `carry: it carries ${source.groupIds.join(', ')} (${source.basis})`,
      evidence: { ...base, rulesOnPort, namedGroups: named, carriedGroups: source.groupIds },
      remedy: {
        text:
          `Admit the group the pod does carry (${remedyGroup}) on ${firstTargetGroup}, or attach ${named[0]} to the ` +
          `nodes' launch template / the pod's SecurityGroupPolicy.`,
        commands: [
          refUsable
            ? remedyCommand(target, firstTargetGroup, { group: remedyGroup })
            : remedyCommand(target, firstTargetGroup, { cidr: `${seenFrom}/32` }),
        ],
      },
    });
  } else {
    const useGroup = refUsable && remedyGroup;
    findings.push({
      code: 'SG_INGRESS_MISSING',
      summary:
        `No rule of ${target.groupIds.join(', ')} admits TCP ${target.port} from ` +
        `${source.groupIds.length ? source.groupIds.join(', ') : 'this pod'}${seenFrom ? ` or ${seenFrom}` : ''} (${source.basis})`,
      evidence: { ...base, rulesOnPort },
      remedy: {
        text: useGroup
          ? `Allow TCP ${target.port} into ${firstTargetGroup} from ${remedyGroup}, the group this pod's traffic carries.`
          : `Allow TCP ${target.port} into ${firstTargetGroup} from ${seenFrom}, the address this pod's traffic arrives from (${ref.via}).`,
        commands:
          useGroup || seenFrom
            ? [remedyCommand(target, firstTargetGroup, useGroup ? { group: remedyGroup } : { cidr: `${seenFrom}/32` })]
            : undefined,
      },
    });
  }

  // ---- egress from the source's groups ----
  const sourceGroups = source.groupIds.map((id) => byId.get(id)).filter((g): g is SecurityGroup => !!g);
  let egressBy: string | undefined;
  const blockedAddresses: string[] = [];
  if (sourceGroups.length) {
    const dests = target.addresses.length ? target.addresses : [undefined];
    for (const dest of dests) {
      let ok: string | undefined;
      for (const group of sourceGroups) {
        for (const perm of group.IpPermissionsEgress ?? []) {
          if (!permissionCoversPort(perm, target.port)) continue;
          for (const r of perm.IpRanges ?? []) {
            if (r.CidrIp && (dest ? cidrContains(r.CidrIp, dest) : r.CidrIp === '0.0.0.0/0')) ok ??= `${group.GroupId}: ${portText(perm)} to ${r.CidrIp}`;
          }
          for (const l of perm.PrefixListIds ?? []) {
            const cidrs = l.PrefixListId ? docs.prefixLists?.[l.PrefixListId] ?? [] : [];
            if (dest && cidrs.some((c) => cidrContains(c, dest))) ok ??= `${group.GroupId}: ${portText(perm)} to ${l.PrefixListId}`;
          }
          for (const pair of perm.UserIdGroupPairs ?? []) {
            if (pair.GroupId && target.groupIds.includes(pair.GroupId) && refUsable) ok ??= `${group.GroupId}: ${portText(perm)} to ${pair.GroupId}`;
          }
        }
      }
      if (ok) egressBy ??= ok;
      else blockedAddresses.push(dest ?? target.name);
    }
    if (blockedAddresses.length) {
      const g = sourceGroups[0]?.GroupId ?? '';
      const dest = target.addresses[0];
      const perm = dest
        ? `IpProtocol=tcp,FromPort=${target.port},ToPort=${target.port},IpRanges=[{CidrIp=${dest}/32}]`
        : `IpProtocol=tcp,FromPort=${target.port},ToPort=${target.port},UserIdGroupPairs=[{GroupId=${firstTargetGroup}}]`;
      findings.push({
        code: 'SG_EGRESS_BLOCKED',
        summary: `No egress rule of ${source.groupIds.join(', ')} (${source.basis}) allows TCP ${target.port} to ${blockedAddresses.join(', ')}`,
        evidence: {
          ...base,
          blockedAddresses,
          egressRules: sourceGroups.flatMap((sg) => (sg.IpPermissionsEgress ?? []).map((p) => `${sg.GroupId}: ${portText(p)} to ${sourcesOf(p)}`)),
        },
        remedy: {
          text: `Allow TCP ${target.port} out of ${g} to ${target.name}.`,
          commands: [`aws ec2 authorize-security-group-egress --group-id ${g} --ip-permissions '${perm}'${target.region ? ` --region ${target.region}` : ''}`],
        },
      });
    }
  }

  if (findings.length === 0) {
    findings.push({
      code: 'OK',
      summary: `${admitted?.text} admits this pod's traffic (${source.basis})${egressBy ? `; egress allowed by ${egressBy}` : ''}`,
      evidence: { ...base, admittedBy: admitted?.text ?? null, egressBy: egressBy ?? null },
    });
  }
  return findings;
}
