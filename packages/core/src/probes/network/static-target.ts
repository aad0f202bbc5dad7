// What the static probes know of a target: port, groups, VPC, subnets and addresses — from the config,
// services.redshift / services.rds, network.dns (when it ran in a pod), or a bounded lookup of our own.
import type { ProbeContext, Target } from '../../types.ts';
import type { NetworkDocs } from '../../analyze/ec2-docs.ts';
import { isIpv4 } from '../../analyze/cidr.ts';
import { resolveName } from '../../net/dns.ts';
import { targetFacts } from '../../net/targets.ts';
import { dnsAddresses } from './common.ts';

export interface StaticTarget {
  host?: string;
  port?: number;
  groupIds: string[];
  groupsFrom: string[];
  vpcId?: string;
  subnetIds: string[];
  addresses: string[];
}

export async function staticTarget(ctx: ProbeContext, target: Target, _docs: NetworkDocs): Promise<StaticTarget> {
  const facts = targetFacts(ctx.results, target);
  let addresses = dnsAddresses(ctx, target.name) ?? [];
  if (!addresses.length && facts.host && isIpv4(facts.host)) addresses = [facts.host];
  if (!addresses.length && facts.knownAddresses.length) addresses = facts.knownAddresses;
  if (!addresses.length && facts.host) {
    const r = await resolveName(facts.host, { timeoutMs: 700, tries: 1, lookupBoundMs: 0, signal: ctx.signal });
    addresses = r.addresses;
  }
  return {
    host: facts.host,
    port: facts.port,
    groupIds: facts.securityGroupIds,
    groupsFrom: facts.groupsFrom,
    vpcId: facts.vpcId,
    subnetIds: facts.subnetIds,
    addresses,
  };
}
