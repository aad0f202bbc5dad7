// Shared by the network probes: their subjects, the EC2/EKS documents (read once per run), and where this
// pod's traffic comes from (its ENI's groups and subnet, the node IP VPC CNI's SNAT uses).
import os from 'node:os';
import { parse as parseYaml } from 'yaml';
import type { Config, Evidence, Finding, ProbeContext, SubjectSpec } from '../../types.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { externalEndpoints } from '../../net/endpoints.ts';
import { isRdsHost } from '../../net/targets.ts';
import { cidrContains, isIpv4, isPrivateAddress } from '../../analyze/cidr.ts';
import {
  findEniForAddress,
  findVpc,
  groupIdsOf,
  primaryEniOf,
  subnetOfAddress,
  vpcCidrs,
  vpcOfAddress,
  type NetworkDocs,
  type NetworkInterface,
} from '../../analyze/ec2-docs.ts';

export function targetSubjects(config: Config, opts: { clusterNeeds?: string[]; rdsAfter?: string[] } = {}): SubjectSpec[] {
  return config.targets.map((t) => ({
    subject: t.name,
    ...(t.redshiftClusterId && opts.clusterNeeds ? { needs: opts.clusterNeeds } : {}),
    ...(isRdsHost(t.host) && opts.rdsAfter ? { after: opts.rdsAfter } : {}),
  }));
}

export function externalSubjects(config: Config): SubjectSpec[] {
  return externalEndpoints(config).map((e) => ({ subject: e.name }));
}

export interface ClusterInfo {
  vpcId?: string;
  clusterSecurityGroupId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
}

export interface LoadedDocs {
  docs: NetworkDocs;
  cluster?: ClusterInfo;
  /** Permissions whose reads were denied (`ec2:DescribeRouteTables`, ...). */
  denied: string[];
}

type Pager = (token?: string) => Promise<{ items: unknown[]; next?: string }>;

async function paged(pager: Pager): Promise<unknown[]> {
  const all: unknown[] = [];
  let token: string | undefined;
  for (let page = 0; page < 50; page++) {
    const { items, next } = await pager(token);
    all.push(...items);
    if (!next) break;
    token = next;
  }
  return all;
}

const cache = new WeakMap<Config, Map<string, Promise<unknown>>>();

/** Memoised per run (keyed on the run's config object): many subjects share one read. */
function once<T>(ctx: ProbeContext, key: string, load: () => Promise<T>): Promise<T> {
  let m = cache.get(ctx.config);
  if (!m) cache.set(ctx.config, (m = new Map()));
  let p = m.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    m.set(key, p);
    p.catch(() => m!.delete(key)); // a failed read (deadline, throttling) may be retried by the next subject
  }
  return p;
}

/** A read that may be denied: denied → undefined and the permission noted; any other error propagates. */
async function readable<T>(denied: string[], permission: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isAwsCallError(e) && e.info.kind === 'denied') {
      denied.push(permission);
      return undefined;
    }
    throw e;
  }
}

export function loadCluster(ctx: ProbeContext): Promise<{ cluster?: ClusterInfo; denied: string[] }> {
  return once(ctx, 'eks:DescribeCluster', async () => {
    const denied: string[] = [];
    const out = await readable(denied, 'eks:DescribeCluster', () =>
      ctx.aws.call('eks', 'DescribeCluster', { name: ctx.config.clusterName }),
    );
    const v = out?.cluster?.resourcesVpcConfig;
    const cluster: ClusterInfo | undefined = v
      ? { vpcId: v.vpcId, clusterSecurityGroupId: v.clusterSecurityGroupId, securityGroupIds: v.securityGroupIds ?? [], subnetIds: v.subnetIds ?? [] }
      : undefined;
    return { cluster, denied };
  });
}

function ec2List(ctx: ProbeContext, op: string, field: string, input: object = {}): Pager {
  return async (token) => {
    const out = await ctx.aws.call('ec2', op, { ...input, ...(token ? { NextToken: token } : {}) });
    return { items: (out?.[field] as unknown[]) ?? [], next: out?.NextToken };
  };
}

/** Every document the static network probes read; a denied read leaves its field undefined. One round of
 *  parallel reads (the EKS cluster with them), then the ENI fallbacks; NAT gateways and VPC endpoints are read
 *  on demand (loadEgressDocs). */
export function loadNetworkDocs(ctx: ProbeContext, podIp?: string): Promise<LoadedDocs> {
  return once(ctx, `docs:${podIp ?? ''}`, async () => {
    const denied: string[] = [];
    const read = <T>(perm: string, op: string, field: string, input?: object) =>
      readable(denied, perm, () => paged(ec2List(ctx, op, field, input))) as Promise<T | undefined>;
    const [clusterResult, vpcs, subnets, securityGroups, routeTables, networkAcls, peerings, tgwAttachments, podEnis] = await Promise.all([
      loadCluster(ctx),
      read<NetworkDocs['vpcs']>('ec2:DescribeVpcs', 'DescribeVpcs', 'Vpcs'),
      read<NetworkDocs['subnets']>('ec2:DescribeSubnets', 'DescribeSubnets', 'Subnets'),
      read<NetworkDocs['securityGroups']>('ec2:DescribeSecurityGroups', 'DescribeSecurityGroups', 'SecurityGroups'),
      read<NetworkDocs['routeTables']>('ec2:DescribeRouteTables', 'DescribeRouteTables', 'RouteTables'),
      read<NetworkDocs['networkAcls']>('ec2:DescribeNetworkAcls', 'DescribeNetworkAcls', 'NetworkAcls'),
      read<NetworkDocs['peerings']>('ec2:DescribeVpcPeeringConnections', 'DescribeVpcPeeringConnections', 'VpcPeeringConnections'),
      read<NetworkDocs['tgwAttachments']>('ec2:DescribeTransitGatewayAttachments', 'DescribeTransitGatewayAttachments', 'TransitGatewayAttachments'),
      podIp
        ? read<NetworkInterface[]>('ec2:DescribeNetworkInterfaces', 'DescribeNetworkInterfaces', 'NetworkInterfaces', { Filters: [{ Name: 'addresses.private-ip-address', Values: [podIp] }] })
        : Promise.resolve(undefined),
    ]);
    const { cluster } = clusterResult;
    denied.push(...clusterResult.denied);
    const docs: NetworkDocs = { vpcs, subnets, securityGroups, routeTables, networkAcls, peerings, tgwAttachments };
    if (tgwAttachments?.length) {
      docs.transitGateways = (await readable([], 'ec2:DescribeTransitGateways', () =>
        paged(ec2List(ctx, 'DescribeTransitGateways', 'TransitGateways')),
      )) as NetworkDocs['transitGateways'];
    }
    // The ENI holding the pod's address: a private IP of it, else inside a delegated prefix (prefix delegation).
    if (podIp) {
      let enis = podEnis;
      if (enis && enis.length === 0) {
        const vpcId = cluster?.vpcId ?? (vpcs ? vpcOfAddress({ vpcs }, podIp)?.VpcId : undefined);
        enis = (await readable(denied, 'ec2:DescribeNetworkInterfaces', () =>
          paged(ec2List(ctx, 'DescribeNetworkInterfaces', 'NetworkInterfaces', vpcId ? { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] } : {})),
        )) as NetworkInterface[] | undefined;
      }
      // The node's primary ENI too (SNAT source), when the pod's ENI is a secondary one.
      const match = enis ? findEniForAddress(enis, podIp) : undefined;
      const instanceId = match?.eni.Attachment?.InstanceId;
      if (enis && match && match.eni.Attachment?.DeviceIndex !== 0 && instanceId && !primaryEniOf(enis, match.eni)) {
        const more = (await readable([], 'ec2:DescribeNetworkInterfaces', () =>
          paged(ec2List(ctx, 'DescribeNetworkInterfaces', 'NetworkInterfaces', { Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] })),
        )) as NetworkInterface[] | undefined;
        enis = [...enis, ...(more ?? []).filter((e) => !enis!.some((x) => x.NetworkInterfaceId === e.NetworkInterfaceId))];
      }
      docs.networkInterfaces = enis;
    }
    // Managed prefix lists referenced by rules or routes.
    const ids = new Set<string>();
    for (const g of securityGroups ?? []) for (const p of [...(g.IpPermissions ?? []), ...(g.IpPermissionsEgress ?? [])]) for (const l of p.PrefixListIds ?? []) if (l.PrefixListId) ids.add(l.PrefixListId);
    for (const t of routeTables ?? []) for (const r of t.Routes ?? []) if (r.DestinationPrefixListId) ids.add(r.DestinationPrefixListId);
    if (ids.size) {
      docs.prefixLists = {};
      const lists = await Promise.all(
        [...ids].map(async (id) => {
          const entries = await readable(denied, 'ec2:GetManagedPrefixListEntries', async () => {
            const out = await ctx.aws.call('ec2', 'GetManagedPrefixListEntries', { PrefixListId: id });
            return ((out?.Entries ?? []) as { Cidr?: string }[]).map((e) => e.Cidr).filter((c): c is string => !!c);
          });
          return [id, entries] as const;
        }),
      );
      for (const [id, entries] of lists) if (entries) docs.prefixLists[id] = entries;
    }
    return { docs, cluster, denied: [...new Set(denied)] };
  });
}

/** NAT gateways and VPC endpoints, read only when a probe needs them (public destinations, AWS names). */
export function loadEgressDocs(ctx: ProbeContext): Promise<{ natGateways?: NetworkDocs['natGateways']; vpcEndpoints?: NetworkDocs['vpcEndpoints']; denied: string[] }> {
  return once(ctx, 'egress-docs', async () => {
    const denied: string[] = [];
    const [natGateways, vpcEndpoints] = await Promise.all([
      readable(denied, 'ec2:DescribeNatGateways', () => paged(ec2List(ctx, 'DescribeNatGateways', 'NatGateways'))),
      readable(denied, 'ec2:DescribeVpcEndpoints', () => paged(ec2List(ctx, 'DescribeVpcEndpoints', 'VpcEndpoints'))),
    ]);
    return { natGateways: natGateways as NetworkDocs['natGateways'], vpcEndpoints: vpcEndpoints as NetworkDocs['vpcEndpoints'], denied };
  });
}

/** The pod's address: POD_IP in a pod (the manifests set it), else the first non-internal IPv4; --pod-ip on a laptop. */
export function podAddress(ctx: ProbeContext): string | undefined {
  if (ctx.where === 'laptop') return ctx.config.podIp;
  const fromEnv = ctx.env.POD_IP;
  if (fromEnv && isIpv4(fromEnv)) return fromEnv;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return ctx.config.podIp;
}

export interface PodTraffic {
  podIp?: string;
  /** Groups the pod's own ENI carries (or the cluster SG when the ENI is unknown). */
  podGroups: string[];
  basis: string;
  eniId?: string;
  subnetId?: string;
  vpcId?: string;
  branch: boolean;
  nodeIp?: string;
  nodeGroups?: string[];
  preferredGroupId?: string;
  evidence: Evidence;
}

/** Where this pod's traffic comes from, said plainly (CATALOG.md: on a laptop, --pod-ip or the cluster SG). */
export function podTraffic(ctx: ProbeContext, loaded: LoadedDocs, podIp: string | undefined): PodTraffic {
  const { docs, cluster } = loaded;
  const csg = cluster?.clusterSecurityGroupId;
  const preferred = (groups: string[]) => (csg && groups.includes(csg) ? csg : groups[0]);
  if (!podIp) {
    const groups = csg ? [csg] : [];
    const subnet = cluster?.subnetIds[0];
    return {
      podGroups: groups,
      basis: csg
        ? `the cluster security group ${csg} (laptop without --pod-ip: the groups the pod's ENI really carries are not known)`
        : 'unknown (laptop without --pod-ip, and no cluster security group)',
      subnetId: subnet,
      vpcId: cluster?.vpcId,
      branch: false,
      preferredGroupId: csg,
      evidence: { source: 'cluster-security-group' },
    };
  }
  const match = docs.networkInterfaces ? findEniForAddress(docs.networkInterfaces, podIp) : undefined;
  if (!match) {
    const groups = csg ? [csg] : [];
    const subnet = docs.subnets ? subnetOfAddress(docs, podIp, cluster?.vpcId) : undefined;
    return {
      podIp,
      podGroups: groups,
      basis: `no ENI described here holds ${podIp}; assuming the cluster security group ${csg ?? '(unknown)'}`,
      subnetId: subnet?.SubnetId,
      vpcId: subnet?.VpcId ?? cluster?.vpcId,
      branch: false,
      preferredGroupId: csg,
      evidence: { source: 'cluster-security-group', podIp },
    };
  }
  const eni = match.eni;
  const groups = groupIdsOf(eni);
  const branch = eni.InterfaceType === 'branch';
  const primary = docs.networkInterfaces ? primaryEniOf(docs.networkInterfaces, eni) : undefined;
  const nodeIp = primary?.PrivateIpAddress ?? (eni.Attachment?.DeviceIndex === 0 ? eni.PrivateIpAddress : undefined);
  const how = match.via === 'prefix' ? `in its delegated prefix ${match.prefix}` : 'as a private IP';
  const where = ctx.where === 'laptop' ? ' (--pod-ip)' : '';
  return {
    podIp,
    podGroups: groups,
    basis: `${branch ? 'branch ENI (security groups for pods) ' : 'ENI '}${eni.NetworkInterfaceId} holding ${podIp}${where} ${how}`,
    eniId: eni.NetworkInterfaceId,
    subnetId: eni.SubnetId,
    vpcId: eni.VpcId,
    branch,
    nodeIp,
    nodeGroups: primary ? groupIdsOf(primary) : undefined,
    preferredGroupId: preferred(groups),
    evidence: { source: branch ? 'branch-eni' : 'pod-eni', eni: eni.NetworkInterfaceId ?? null, podIp, viaPrefix: match.prefix ?? null },
  };
}

/**
 * VPC CNI's SNAT: traffic to an address outside the VPC's CIDRs leaves with the node's primary IP (through the
 * primary ENI and its groups), unless AWS_VPC_K8S_CNI_EXTERNALSNAT or the exclude list says otherwise.
 * Branch ENIs (security groups for pods, strict mode) keep the pod's address.
 */
export function snatApplies(ctx: ProbeContext, docs: NetworkDocs, traffic: PodTraffic, dest: string): boolean {
  if (!traffic.podIp || traffic.branch) return false;
  if (String(ctx.env.AWS_VPC_K8S_CNI_EXTERNALSNAT ?? '').toLowerCase() === 'true') return false;
  const exclude = String(ctx.env.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (exclude.some((c) => cidrContains(c, dest))) return false;
  const cidrs = vpcCidrs(findVpc(docs, traffic.vpcId));
  if (!cidrs.length) return false;
  return !cidrs.some((c) => cidrContains(c, dest));
}

export interface CniSnat {
  externalSnat: boolean;
  excludeSnatCidrs: string[];
  /** where the settings came from, for evidence */
  from?: string;
}

/**
 * The VPC CNI's SNAT settings when it runs as the EKS add-on with configuration values (`DescribeAddon vpc-cni`
 * → `configurationValues`, JSON or YAML, `env.AWS_VPC_K8S_CNI_EXTERNALSNAT` / `env.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS`):
 * the gateway's pod does not carry aws-node's env. Any failure (denied, no add-on, self-managed CNI) → defaults.
 * https://docs.aws.amazon.com/eks/latest/userguide/external-snat.html
 */
export function loadCniSnat(ctx: ProbeContext): Promise<CniSnat> {
  return once(ctx, 'eks:DescribeAddon:vpc-cni', async () => {
    const none: CniSnat = { externalSnat: false, excludeSnatCidrs: [] };
    if (!ctx.config.clusterName) return none;
    try {
      const out = await ctx.aws.call('eks', 'DescribeAddon', { clusterName: ctx.config.clusterName, addonName: 'vpc-cni' });
      const raw = out?.addon?.configurationValues;
      if (typeof raw !== 'string' || !raw.trim()) return none;
      const values = parseYaml(raw) as { env?: Record<string, unknown> } | null;
      const env = values && typeof values === 'object' ? values.env ?? {} : {};
      return {
        externalSnat: String(env.AWS_VPC_K8S_CNI_EXTERNALSNAT ?? '').toLowerCase() === 'true',
        excludeSnatCidrs: String(env.AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS ?? '').split(',').map((c) => c.trim()).filter((c) => /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)),
        from: 'the vpc-cni add-on configuration values',
      };
    } catch {
      return none;
    }
  });
}

/** snatApplies, also honouring the vpc-cni add-on's configured SNAT settings (read only when SNAT would apply). */
export async function snatAppliesWithCni(ctx: ProbeContext, docs: NetworkDocs, traffic: PodTraffic, dest: string): Promise<boolean> {
  if (!snatApplies(ctx, docs, traffic, dest)) return false;
  const cni = await loadCniSnat(ctx);
  if (cni.externalSnat || cni.excludeSnatCidrs.some((c) => cidrContains(c, dest))) {
    ctx.record({ snatSettingsFrom: cni.from ?? 'the vpc-cni add-on' });
    return false;
  }
  return true;
}

export function isPublic(ip: string): boolean {
  return isIpv4(ip) && !isPrivateAddress(ip);
}

export function readDeniedFinding(denied: string[], what: string): Finding {
  return {
    code: 'READ_DENIED',
    summary: `Cannot read ${what}: ${denied.join(', ')} denied; grant these to the diagnostic's role to let it check`,
    evidence: { denied },
    remedy: { text: `Allow ${denied.join(', ')} (read-only) for the role running gateway-doctor.`, policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: denied, Resource: '*' }] } },
  };
}

/** The addresses network.dns found for a subject (pass or warn), if it ran. */
export function dnsAddresses(ctx: ProbeContext, subject: string): string[] | undefined {
  const o = ctx.results.get('network.dns', subject)[0];
  if (!o || (o.status !== 'pass' && o.status !== 'warn')) return undefined;
  const a = o.evidence.addresses;
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : undefined;
}
