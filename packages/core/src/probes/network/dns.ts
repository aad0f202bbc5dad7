// network.dns: resolve each target and external endpoint the way the pod resolves it (c-ares with its own
// timeout, dns.lookup as a bounded second opinion) and list every address. An in-VPC service, or an AWS service
// with an interface endpoint in the pod's VPC, must resolve to private addresses.
import type { Evidence, Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { resolveName, type DnsResult } from '../../net/dns.ts';
import { externalEndpoint } from '../../net/endpoints.ts';
import { findTarget, targetFacts } from '../../net/targets.ts';
import { isIpv4 } from '../../analyze/cidr.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { externalSubjects, isPublic, loadCluster, loadEgressDocs, targetSubjects } from './common.ts';
import type { VpcEndpoint } from '../../analyze/ec2-docs.ts';

export const meta = {
  id: 'network.dns',
  title: 'Targets and AWS endpoints resolve, to the right kind of address',
  area: 'network',
  podOnly: true,
  docs: 'docs/probes/network.dns.md',
  // External endpoints run after the static probes, when the EC2 client is loaded and the machine is quieter.
  subjects: (config) => [
    ...targetSubjects(config, { clusterNeeds: ['services.redshift'], rdsAfter: ['services.rds'] }),
    ...externalSubjects(config).map((s) => ({ ...s, after: ['network.security-groups', 'network.path'] })),
  ],
} satisfies ProbeMeta;

function evidenceOf(r: DnsResult): Evidence {
  return {
    name: r.name,
    addresses: r.addresses,
    resolverAddresses: r.resolverAddresses,
    lookupAddresses: r.lookupAddresses,
    resolverError: r.resolverError ?? null,
    lookupError: r.lookupError ?? null,
    answeredBy: r.answeredBy ?? null,
    elapsedMs: r.elapsedMs,
  };
}

function failure(r: DnsResult, what: string): Finding {
  const ev = evidenceOf(r);
  switch (r.kind) {
    case 'nxdomain':
      return {
        code: 'DNS_NXDOMAIN',
        summary: `${r.name} (${what}) does not resolve: ${r.resolverError === 'ENODATA' ? 'no address record' : 'no such name'}`,
        evidence: ev,
        remedy: { text: `Check the spelling of ${r.name}, and that a private hosted zone it lives in is associated with the pod's VPC.` },
      };
    case 'timeout':
      return {
        code: 'DNS_TIMEOUT',
        summary: `The resolver did not answer for ${r.name} (${what}) within ${r.elapsedMs} ms (${r.resolverError})`,
        evidence: ev,
        remedy: { text: 'Check that the pod can reach its DNS server (CoreDNS, the VPC resolver at the VPC base +2): NetworkPolicy egress on UDP/TCP 53, security groups, NACLs.' },
      };
    default:
      return {
        code: 'DNS_SERVFAIL',
        summary: `The resolver failed for ${r.name} (${what}): ${r.resolverError}`,
        evidence: ev,
        remedy: { text: `The resolver could not answer for ${r.name}: check CoreDNS's logs and any forwarding rule (Route 53 Resolver) for its zone.` },
      };
  }
}

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const subject = ctx.subject ?? '';
  const target = findTarget(ctx.config, subject);
  const dnsOpts = { timeoutMs: 1000, tries: 2, signal: ctx.signal };
  if (target) {
    const facts = targetFacts(ctx.results, target);
    if (!facts.host) {
      return {
        code: 'NEEDS_UNMET',
        status: 'skip',
        summary: `No endpoint for ${subject}: services.redshift found none and the config gives no host`,
        evidence: { redshiftClusterId: target.redshiftClusterId ?? null },
      };
    }
    if (isIpv4(facts.host)) {
      return { code: 'OK', summary: `${subject} is configured as an address (${facts.host})`, evidence: { name: facts.host, addresses: [facts.host], literal: true } };
    }
    const r = await resolveName(facts.host, dnsOpts);
    if (r.kind !== 'ok') return failure(r, `target ${subject}`);
    const publicAddrs = r.addresses.filter(isPublic);
    if (publicAddrs.length) {
      return {
        code: 'DNS_PUBLIC_ADDRESS',
        summary: `${facts.host} (${subject}, an in-VPC service) resolves to public ${publicAddrs.join(', ')}: traffic would leave through NAT instead of staying in the VPC`,
        evidence: { ...evidenceOf(r), publicAddresses: publicAddrs },
        remedy: {
          text: `Enable DNS hostnames and DNS resolution on the VPC (the endpoint then resolves to its private address inside it), or turn off public accessibility on ${subject}.`,
        },
      };
    }
    return { code: 'OK', summary: `${facts.host} → ${r.addresses.join(', ')}`, evidence: evidenceOf(r) };
  }
  const endpoint = externalEndpoint(ctx.config, subject);
  if (!endpoint) return { code: 'NOT_APPLICABLE', summary: `${subject} is neither a target nor an external endpoint in the config`, evidence: {} };
  const r = await resolveName(endpoint.host, dnsOpts);
  if (r.kind !== 'ok') return failure(r, `the ${subject} endpoint`);
  const publicAddrs = r.addresses.filter(isPublic);
  if (publicAddrs.length && endpoint.awsService) {
    // An interface endpoint for this service in the pod's VPC means its name is expected to resolve privately.
    const vpce = await interfaceEndpoint(ctx, endpoint.awsService);
    if (vpce) {
      return {
        code: 'DNS_PUBLIC_ADDRESS',
        summary:
          `${endpoint.host} resolves to public ${publicAddrs.join(', ')} although ${vpce.VpcEndpointId} serves ${vpce.ServiceName} in ${vpce.VpcId}` +
          (vpce.PrivateDnsEnabled ? ' with private DNS on (is DNS resolution/hostnames off on the VPC, or a custom resolver in the way?)' : ': its private DNS is off'),
        evidence: { ...evidenceOf(r), publicAddresses: publicAddrs, vpcEndpointId: vpce.VpcEndpointId ?? null, privateDnsEnabled: !!vpce.PrivateDnsEnabled },
        remedy: vpce.PrivateDnsEnabled
          ? { text: `Turn on enableDnsSupport and enableDnsHostnames for ${vpce.VpcId}.`, commands: [`aws ec2 modify-vpc-attribute --vpc-id ${vpce.VpcId} --enable-dns-hostnames '{"Value":true}' --region ${ctx.config.region}`] }
          : {
              text: `Turn on private DNS for ${vpce.VpcEndpointId} so ${endpoint.host} resolves to its private addresses.`,
              commands: [`aws ec2 modify-vpc-endpoint --vpc-endpoint-id ${vpce.VpcEndpointId} --private-dns-enabled --region ${ctx.config.region}`],
            },
      };
    }
  }
  return { code: 'OK', summary: `${endpoint.host} → ${r.addresses.join(', ')}`, evidence: evidenceOf(r) };
}

/** An interface endpoint as DescribeVpcEndpoints returns it (the shared EC2 document type). */
type Vpce = VpcEndpoint;

async function interfaceEndpoint(ctx: ProbeContext, service: string): Promise<Vpce | undefined> {
  try {
    const [{ cluster }, egress] = await Promise.all([loadCluster(ctx), loadEgressDocs(ctx)]);
    const vpcId = cluster?.vpcId;
    const serviceName = `com.amazonaws.${ctx.config.region}.${service}`;
    if (!egress.vpcEndpoints) ctx.record({ vpcEndpointsChecked: false });
    return (egress.vpcEndpoints ?? []).find(
      (e) => e.ServiceName === serviceName && (e.VpcEndpointType ?? 'Interface') === 'Interface' && (!vpcId || e.VpcId === vpcId) && (e.State ?? 'available').toLowerCase() === 'available',
    );
  } catch (e) {
    // Not being able to read endpoints only means this check cannot be made; the resolution itself stands.
    ctx.log('network.dns: reading VPC endpoints failed', { error: isAwsCallError(e) ? e.info.kind : String(e) });
    ctx.record({ vpcEndpointsChecked: false });
    return undefined;
  }
}
