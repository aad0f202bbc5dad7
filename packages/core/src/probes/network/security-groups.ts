// network.security-groups (static): do the target's security groups admit the port from the groups this pod's
// traffic really carries (the ENI holding its IP; the node's after VPC CNI SNAT), and do those allow the egress?
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { analyzeSecurityGroups, type SgSource } from '../../analyze/security-groups.ts';
import { vpcOfAddress } from '../../analyze/ec2-docs.ts';
import { findTarget } from '../../net/targets.ts';
import { genericErrorFinding } from '../helpers.ts';
import { isPublic, loadEgressDocs, loadNetworkDocs, podAddress, podTraffic, readDeniedFinding, snatAppliesWithCni, targetSubjects } from './common.ts';
import { staticTarget } from './static-target.ts';

export const meta = {
  id: 'network.security-groups',
  title: "The target's security groups admit this pod",
  area: 'network',
  after: ['identity.caller'],
  docs: 'docs/probes/network.security-groups.md',
  subjects: (config) => targetSubjects(config, { clusterNeeds: ['services.redshift'], rdsAfter: ['services.rds'] }),
} satisfies ProbeMeta;

const READS = ['ec2:DescribeSecurityGroups', 'ec2:DescribeNetworkInterfaces', 'eks:DescribeCluster'];

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const subject = ctx.subject ?? '';
  const target = findTarget(ctx.config, subject);
  if (!target) return { code: 'NOT_APPLICABLE', summary: `${subject} is not a configured target`, evidence: {} };
  try {
    const podIp = podAddress(ctx);
    const loaded = await loadNetworkDocs(ctx, podIp);
    const t = await staticTarget(ctx, target, loaded.docs);
    if (!t.port) return { code: 'NOT_APPLICABLE', summary: `No port is known for ${subject}`, evidence: {} };
    if (!t.groupIds.length) {
      return {
        code: 'NOT_APPLICABLE',
        summary: `The security groups of ${subject} are unknown: give securityGroupIds in the target's config (or use a Redshift cluster id / RDS endpoint)`,
        evidence: { host: t.host ?? null },
      };
    }
    const denied = loaded.denied.filter((p) => READS.includes(p));
    if (!loaded.docs.securityGroups) return readDeniedFinding(loaded.denied.filter((p) => p.startsWith('ec2:DescribeSecurityGroups')), `the security groups of ${subject}`);
    const traffic = podTraffic(ctx, loaded, podIp);
    const dest = t.addresses[0];
    let source: SgSource = {
      ip: traffic.podIp,
      groupIds: traffic.podGroups,
      vpcId: traffic.vpcId,
      basis: traffic.basis,
      translation: 'none',
      preferredGroupId: traffic.preferredGroupId,
    };
    if (dest && isPublic(dest)) {
      const { natGateways } = await loadEgressDocs(ctx);
      const nat = natGateways?.find((n) => n.VpcId === traffic.vpcId && (n.State ?? 'available') === 'available') as
        | { NatGatewayAddresses?: { PublicIp?: string }[] }
        | undefined;
      source = { ...source, translation: 'nat-gateway', natAddress: nat?.NatGatewayAddresses?.[0]?.PublicIp, basis: `${traffic.basis}, leaving through a NAT gateway to the public address ${dest}` };
    } else if (dest && traffic.nodeIp && (await snatAppliesWithCni(ctx, loaded.docs, traffic, dest))) {
      source = {
        ...source,
        ip: traffic.nodeIp,
        groupIds: traffic.nodeGroups?.length ? traffic.nodeGroups : traffic.podGroups,
        translation: 'node-snat',
        basis: `the node's primary ENI (${traffic.nodeIp}): VPC CNI SNATs traffic to ${dest}, outside the VPC's CIDRs`,
        preferredGroupId: traffic.nodeGroups?.[0] ?? traffic.preferredGroupId,
      };
    }
    const findings = analyzeSecurityGroups(loaded.docs, source, {
      name: subject,
      port: t.port,
      groupIds: t.groupIds,
      vpcId: t.vpcId ?? (dest ? vpcOfAddress(loaded.docs, dest)?.VpcId : undefined),
      addresses: t.addresses,
      region: ctx.config.region,
    });
    ctx.record({ ...traffic.evidence, groupsFrom: t.groupsFrom });
    if (denied.length) findings.push(readDeniedFinding(denied, 'all the documents this check uses'));
    return findings;
  } catch (err) {
    const generic = genericErrorFinding(err, ctx);
    if (generic) return generic;
    throw err;
  }
}
