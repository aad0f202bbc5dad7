// network.path (static): same VPC, or an active peering / transit gateway attachment with routes both ways
// (longest prefix match), and the network ACLs of both subnets, stateless, return leg included.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { analyzePath } from '../../analyze/path.ts';
import { findTarget } from '../../net/targets.ts';
import { genericErrorFinding } from '../helpers.ts';
import { loadNetworkDocs, podAddress, podTraffic, readDeniedFinding, snatAppliesWithCni, targetSubjects } from './common.ts';
import { staticTarget } from './static-target.ts';

export const meta = {
  id: 'network.path',
  title: 'Routes and network ACLs connect the pod to the target',
  area: 'network',
  after: ['identity.caller'],
  docs: 'docs/probes/network.path.md',
  subjects: (config) => targetSubjects(config, { clusterNeeds: ['services.redshift'], rdsAfter: ['services.rds'] }),
} satisfies ProbeMeta;

const READS = ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeNetworkAcls', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeTransitGatewayAttachments'];

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const subject = ctx.subject ?? '';
  const target = findTarget(ctx.config, subject);
  if (!target) return { code: 'NOT_APPLICABLE', summary: `${subject} is not a configured target`, evidence: {} };
  try {
    const podIp = podAddress(ctx);
    const loaded = await loadNetworkDocs(ctx, podIp);
    const denied = loaded.denied.filter((p) => READS.includes(p));
    if (!loaded.docs.vpcs || !loaded.docs.subnets || !loaded.docs.routeTables) return readDeniedFinding(denied, `the route from this pod to ${subject}`);
    const t = await staticTarget(ctx, target, loaded.docs);
    const traffic = podTraffic(ctx, loaded, podIp);
    let sourceIp = traffic.podIp;
    let basis = traffic.basis;
    if (!sourceIp) {
      // Laptop without --pod-ip: reason from the first cluster subnet, and say so.
      const subnet = loaded.docs.subnets.find((s) => s.SubnetId === traffic.subnetId);
      if (!subnet?.CidrBlock) return { code: 'NOT_APPLICABLE', summary: `Without --pod-ip and without the cluster's subnets, the pod's place in the VPC is unknown`, evidence: {} };
      const [a] = subnet.CidrBlock.split('/');
      const parts = (a ?? '').split('.');
      parts[3] = String(Number(parts[3]) + 4);
      sourceIp = parts.join('.');
      basis = `the cluster subnet ${subnet.SubnetId} (laptop without --pod-ip)`;
    }
    const dest = t.addresses[0];
    const snat = dest && traffic.nodeIp && (await snatAppliesWithCni(ctx, loaded.docs, traffic, dest));
    const findings = analyzePath(
      loaded.docs,
      { podIp: sourceIp, replyIp: snat ? traffic.nodeIp! : sourceIp, subnetId: traffic.subnetId, vpcId: traffic.vpcId },
      { name: subject, port: t.port ?? 0, addresses: t.addresses, vpcId: t.vpcId, subnetIds: t.subnetIds, region: ctx.config.region },
    );
    ctx.record({ sourceBasis: basis, snat: !!snat });
    if (denied.length) findings.push(readDeniedFinding(denied, 'all the documents this check uses'));
    return findings;
  } catch (err) {
    const generic = genericErrorFinding(err, ctx);
    if (generic) return generic;
    throw err;
  }
}
