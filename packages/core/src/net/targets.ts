// What the network probes know about a target: the config, plus what services.redshift / services.rds found
// (read from their outcomes' evidence — the keys below are the contract between those probes and these).
import type { Config, Outcome, ResultsView, Target } from '../types.ts';

/** Evidence keys services.redshift and services.rds publish for the network probes. */
export const TARGET_EVIDENCE = {
  endpointAddress: 'endpointAddress',
  endpointPort: 'endpointPort',
  vpcId: 'vpcId',
  securityGroupIds: 'securityGroupIds',
  subnetIds: 'subnetIds',
  nodeAddresses: 'nodeAddresses',
} as const;

export interface TargetFacts {
  target: Target;
  /** The name to resolve / the address to connect to. */
  host?: string;
  /** The port the gateway uses (the config's, else the service's). */
  port?: number;
  /** The port the service itself listens on, when a describe call said so. */
  servicePort?: number;
  vpcId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
  /** Private addresses a describe call gave (Redshift's nodes). */
  knownAddresses: string[];
  /** Where the groups came from, said in summaries. */
  groupsFrom: string[];
  /** services.redshift / services.rds outcome, when it ran. */
  describedBy?: Outcome;
}

const RDS_HOST = /\.rds\.amazonaws\.com\.?$/i;

export function isRdsHost(host: string | undefined): boolean {
  return !!host && RDS_HOST.test(host);
}

export function findTarget(config: Config, name: string | undefined): Target | undefined {
  return config.targets.find((t) => t.name === name);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && !!x) : [];
}

export function targetFacts(results: ResultsView, target: Target): TargetFacts {
  const describedBy = target.redshiftClusterId
    ? results.get('services.redshift', target.name)[0]
    : isRdsHost(target.host)
      ? results.get('services.rds', target.name)[0]
      : undefined;
  const usable = describedBy && (describedBy.status === 'pass' || describedBy.status === 'warn') ? describedBy.evidence : {};
  const servicePort = typeof usable[TARGET_EVIDENCE.endpointPort] === 'number' ? (usable[TARGET_EVIDENCE.endpointPort] as number) : undefined;
  const describedGroups = strs(usable[TARGET_EVIDENCE.securityGroupIds]);
  const groups = [...new Set([...(target.securityGroupIds ?? []), ...describedGroups])];
  const groupsFrom: string[] = [];
  if (target.securityGroupIds?.length) groupsFrom.push("the target's securityGroupIds in the config");
  if (describedGroups.length) groupsFrom.push(describedBy!.probe === 'services.redshift' ? 'redshift:DescribeClusters' : 'rds:DescribeDB*');
  return {
    target,
    host: target.host ?? str(usable[TARGET_EVIDENCE.endpointAddress]),
    port: target.port ?? servicePort,
    servicePort,
    vpcId: str(usable[TARGET_EVIDENCE.vpcId]),
    securityGroupIds: groups,
    subnetIds: strs(usable[TARGET_EVIDENCE.subnetIds]),
    knownAddresses: strs(usable[TARGET_EVIDENCE.nodeAddresses]),
    groupsFrom,
    describedBy,
  };
}
