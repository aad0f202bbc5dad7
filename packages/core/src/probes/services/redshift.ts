// services.redshift: the cluster behind a target's redshiftClusterId — its endpoint, port, VPC and security
// groups (DescribeClusters), which the network probes then check. Evidence keys: net/targets.ts TARGET_EVIDENCE.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { findTarget, TARGET_EVIDENCE as K } from '../../net/targets.ts';
import { genericErrorFinding } from '../helpers.ts';

export const meta = {
  id: 'services.redshift',
  title: 'The Redshift cluster exists and is available',
  area: 'services',
  needs: ['identity.caller'],
  docs: 'docs/probes/services.redshift.md',
  subjects: (config) => config.targets.filter((t) => t.redshiftClusterId).map((t) => ({ subject: t.name })),
} satisfies ProbeMeta;

interface Cluster {
  ClusterIdentifier?: string;
  ClusterStatus?: string;
  ClusterAvailabilityStatus?: string;
  VpcId?: string;
  PubliclyAccessible?: boolean;
  ClusterSubnetGroupName?: string;
  Endpoint?: { Address?: string; Port?: number };
  VpcSecurityGroups?: { VpcSecurityGroupId?: string; Status?: string }[];
  ClusterNodes?: { NodeRole?: string; PrivateIPAddress?: string; PublicIPAddress?: string }[];
}

export async function run(ctx: ProbeContext): Promise<Finding> {
  const target = findTarget(ctx.config, ctx.subject);
  const id = target?.redshiftClusterId;
  if (!target || !id) return { code: 'NOT_APPLICABLE', summary: `${ctx.subject} names no Redshift cluster`, evidence: {} };
  let cluster: Cluster | undefined;
  try {
    const out = await ctx.aws.call('redshift', 'DescribeClusters', { ClusterIdentifier: id });
    cluster = (out?.Clusters as Cluster[] | undefined)?.find((c) => c.ClusterIdentifier === id) ?? out?.Clusters?.[0];
  } catch (err) {
    if (isAwsCallError(err) && (err.info.awsCode === 'ClusterNotFound' || err.info.awsCode === 'ClusterNotFoundFault' || err.info.kind === 'not-found')) {
      return {
        code: 'REDSHIFT_NOT_FOUND',
        summary: `No Redshift cluster ${id} in ${ctx.config.region} (${err.info.awsCode ?? 'not found'}): check the identifier and the region`,
        evidence: { clusterId: id, region: ctx.config.region, awsCode: err.info.awsCode ?? null, requestId: err.info.requestId ?? null },
        remedy: { text: `List the clusters this account has in ${ctx.config.region} and use the right identifier.`, commands: [`aws redshift describe-clusters --region ${ctx.config.region} --query 'Clusters[].ClusterIdentifier'`] },
      };
    }
    const generic = genericErrorFinding(err, ctx, { readDenied: { permissions: ['redshift:DescribeClusters'] } });
    if (generic) return generic;
    throw err;
  }
  if (!cluster) {
    return { code: 'REDSHIFT_NOT_FOUND', summary: `DescribeClusters returned no cluster ${id} in ${ctx.config.region}`, evidence: { clusterId: id, region: ctx.config.region } };
  }
  const groups = (cluster.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g);
  const nodes = (cluster.ClusterNodes ?? []).map((n) => n.PrivateIPAddress).filter((a): a is string => !!a);
  const evidence = {
    clusterId: id,
    clusterStatus: cluster.ClusterStatus ?? null,
    [K.endpointAddress]: cluster.Endpoint?.Address ?? null,
    [K.endpointPort]: cluster.Endpoint?.Port ?? null,
    [K.vpcId]: cluster.VpcId ?? null,
    [K.securityGroupIds]: groups,
    [K.nodeAddresses]: nodes,
    publiclyAccessible: cluster.PubliclyAccessible ?? false,
    subnetGroup: cluster.ClusterSubnetGroupName ?? null,
  };
  if ((cluster.ClusterStatus ?? '').toLowerCase() !== 'available') {
    return {
      code: 'REDSHIFT_NOT_AVAILABLE',
      summary: `Redshift cluster ${id} is ${cluster.ClusterStatus ?? 'in an unknown state'}, not available`,
      evidence,
      remedy: {
        text: cluster.ClusterStatus === 'paused' ? `Resume the cluster.` : `Wait for the cluster to become available, or see its events.`,
        commands:
          cluster.ClusterStatus === 'paused'
            ? [`aws redshift resume-cluster --cluster-identifier ${id} --region ${ctx.config.region}`]
            : [`aws redshift describe-events --source-type cluster --source-identifier ${id} --region ${ctx.config.region}`],
      },
    };
  }
  return {
    code: 'OK',
    summary: `${id}: available at ${cluster.Endpoint?.Address}:${cluster.Endpoint?.Port} in ${cluster.VpcId}, groups ${groups.join(', ') || 'none'}`,
    evidence,
  };
}
