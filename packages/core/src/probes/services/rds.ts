// services.rds: for a target whose host is an RDS endpoint, the instance or cluster behind it — groups, subnets,
// VPC, port (DescribeDBInstances / DescribeDBClusters) for the static network probes.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { findTarget, isRdsHost, TARGET_EVIDENCE as K } from '../../net/targets.ts';
import { genericErrorFinding } from '../helpers.ts';

export const meta = {
  id: 'services.rds',
  title: 'The RDS endpoint belongs to an instance or cluster of this account',
  area: 'services',
  needs: ['identity.caller'],
  docs: 'docs/probes/services.rds.md',
  subjects: (config) => config.targets.filter((t) => isRdsHost(t.host)).map((t) => ({ subject: t.name })),
} satisfies ProbeMeta;

interface DbInstance {
  DBInstanceIdentifier?: string;
  DBInstanceStatus?: string;
  DBClusterIdentifier?: string;
  Endpoint?: { Address?: string; Port?: number };
  VpcSecurityGroups?: { VpcSecurityGroupId?: string; Status?: string }[];
  DBSubnetGroup?: { DBSubnetGroupName?: string; VpcId?: string; Subnets?: { SubnetIdentifier?: string }[] };
}
interface DbCluster {
  DBClusterIdentifier?: string;
  Status?: string;
  Endpoint?: string;
  ReaderEndpoint?: string;
  Port?: number;
  VpcSecurityGroups?: { VpcSecurityGroupId?: string; Status?: string }[];
  DBSubnetGroup?: string;
  DBClusterMembers?: { DBInstanceIdentifier?: string }[];
}

const NOT_FOUND = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault', 'DBClusterNotFoundFault', 'DBClusterNotFound']);

function groupsOf(list: { VpcSecurityGroupId?: string }[] | undefined): string[] {
  return (list ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g);
}

export async function run(ctx: ProbeContext): Promise<Finding> {
  const target = findTarget(ctx.config, ctx.subject);
  const host = target?.host;
  if (!target || !host || !isRdsHost(host)) return { code: 'NOT_APPLICABLE', summary: `${ctx.subject} is not an RDS endpoint`, evidence: {} };
  const id = host.split('.')[0]!;
  const isCluster = /\.cluster-(ro-|custom-)?[a-z0-9]+\./i.test(host);
  const readDenied = { readDenied: { permissions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'] } };
  const notFound = (code?: string): Finding => ({
    code: 'RDS_NOT_FOUND',
    summary: `No RDS ${isCluster ? 'cluster' : 'instance'} ${id} with the endpoint ${host} in ${ctx.config.region}${code ? ` (${code})` : ''}`,
    evidence: { host, identifier: id, region: ctx.config.region, awsCode: code ?? null },
    remedy: {
      text: 'Copy the endpoint from the console or the CLI; check the region.',
      commands: [`aws rds ${isCluster ? 'describe-db-clusters' : 'describe-db-instances'} --region ${ctx.config.region} --query '${isCluster ? 'DBClusters[].Endpoint' : 'DBInstances[].Endpoint.Address'}'`],
    },
  });
  try {
    if (isCluster) {
      const out = await ctx.aws.call('rds', 'DescribeDBClusters', { DBClusterIdentifier: id });
      const c = ((out?.DBClusters ?? []) as DbCluster[]).find((x) => x.DBClusterIdentifier === id);
      if (!c) return notFound();
      // The cluster names its subnet group only; a member instance carries the subnets and the VPC.
      const members = await ctx.aws.call('rds', 'DescribeDBInstances', { Filters: [{ Name: 'db-cluster-id', Values: [id] }] });
      const inst = ((members?.DBInstances ?? []) as DbInstance[])[0];
      const subnets = (inst?.DBSubnetGroup?.Subnets ?? []).map((s) => s.SubnetIdentifier).filter((s): s is string => !!s);
      return {
        code: 'OK',
        summary: `${host}: cluster ${id} (${c.Status}), port ${c.Port}, groups ${groupsOf(c.VpcSecurityGroups).join(', ') || 'none'}`,
        evidence: {
          identifier: id,
          kind: 'cluster',
          status: c.Status ?? null,
          [K.endpointAddress]: host,
          [K.endpointPort]: c.Port ?? null,
          [K.securityGroupIds]: groupsOf(c.VpcSecurityGroups),
          [K.vpcId]: inst?.DBSubnetGroup?.VpcId ?? null,
          [K.subnetIds]: subnets,
          subnetGroup: c.DBSubnetGroup ?? null,
        },
      };
    }
    const out = await ctx.aws.call('rds', 'DescribeDBInstances', { DBInstanceIdentifier: id });
    const inst = ((out?.DBInstances ?? []) as DbInstance[]).find((x) => x.DBInstanceIdentifier === id);
    if (!inst) return notFound();
    const subnets = (inst.DBSubnetGroup?.Subnets ?? []).map((s) => s.SubnetIdentifier).filter((s): s is string => !!s);
    const mismatch = inst.Endpoint?.Address && inst.Endpoint.Address.toLowerCase() !== host.toLowerCase();
    return {
      code: 'OK',
      summary: `${host}: instance ${id} (${inst.DBInstanceStatus}), port ${inst.Endpoint?.Port}, groups ${groupsOf(inst.VpcSecurityGroups).join(', ') || 'none'}${mismatch ? `; its endpoint is ${inst.Endpoint?.Address}` : ''}`,
      evidence: {
        identifier: id,
        kind: 'instance',
        status: inst.DBInstanceStatus ?? null,
        [K.endpointAddress]: host,
        [K.endpointPort]: inst.Endpoint?.Port ?? null,
        [K.securityGroupIds]: groupsOf(inst.VpcSecurityGroups),
        [K.vpcId]: inst.DBSubnetGroup?.VpcId ?? null,
        [K.subnetIds]: subnets,
      },
    };
  } catch (err) {
    if (isAwsCallError(err) && (NOT_FOUND.has(err.info.awsCode ?? '') || err.info.kind === 'not-found')) return notFound(err.info.awsCode);
    const generic = genericErrorFinding(err, ctx, readDenied);
    if (generic) return generic;
    throw err;
  }
}
