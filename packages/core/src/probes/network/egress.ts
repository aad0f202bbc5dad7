// network.egress: each external endpoint the gateway uses (STS, Secrets Manager, Athena, S3, Power BI) accepts
// TCP on 443 and completes a TLS handshake for its name, trusting what the process trusts.
import type { Finding, ProbeContext, ProbeMeta } from '../../types.ts';
import { externalEndpoint, endpointsFor } from '../../net/endpoints.ts';
import { probeEgress, type EgressResult } from '../../net/tls.ts';
import { explainPublicEgress, type EgressExplanation } from '../../analyze/path.ts';
import { analyzeSecurityGroups } from '../../analyze/security-groups.ts';
import { dnsAddresses, externalSubjects, isPublic, loadEgressDocs, loadNetworkDocs, podAddress, podTraffic } from './common.ts';

export const meta = {
  id: 'network.egress',
  title: 'External endpoints are reachable over TLS',
  area: 'network',
  podOnly: true,
  needs: ['network.dns'],
  docs: 'docs/probes/network.egress.md',
  subjects: (config) => externalSubjects(config),
} satisfies ProbeMeta;

function line(r: EgressResult): string {
  return `${r.address}:${r.port} tcp=${r.tcp} ${r.connectMs}ms${r.tls ? ` tls=${r.tls}` : ''}${r.tlsError ? ` (${r.tlsError})` : ''}${r.errorCode && !r.tlsError ? ` (${r.errorCode})` : ''}`;
}

function globalStsWarning(ctx: ProbeContext, why: string): Finding {
  const regional = endpointsFor('sts', ctx.config.region)[0]!.host;
  return {
    code: 'STS_GLOBAL_ENDPOINT',
    summary: `${why}: inside a VPC use the regional endpoint ${regional} (reachable through its interface endpoint or NAT; the global one is a single us-east-1 service)`,
    evidence: { regionalEndpoint: regional, AWS_STS_REGIONAL_ENDPOINTS: ctx.env.AWS_STS_REGIONAL_ENDPOINTS ?? null },
    remedy: { text: `Set AWS_STS_REGIONAL_ENDPOINTS=regional in the gateway's environment and use ${regional}; drop sts-global from the config.` },
  };
}

export async function run(ctx: ProbeContext): Promise<Finding | Finding[]> {
  const subject = ctx.subject ?? '';
  const endpoint = externalEndpoint(ctx.config, subject);
  if (!endpoint) return { code: 'NOT_APPLICABLE', summary: `${subject} is not a configured external endpoint`, evidence: {} };
  const addresses = dnsAddresses(ctx, subject) ?? [];
  if (!addresses.length) return { code: 'NEEDS_UNMET', status: 'skip', summary: `network.dns found no address for ${endpoint.host}`, evidence: {} };
  const timeoutMs = ctx.config.options.connectTimeoutMs;
  const started = Date.now();
  const results = await Promise.all(addresses.map((a) => probeEgress(a, endpoint.host, endpoint.port, { timeoutMs, handshakeTimeoutMs: timeoutMs, signal: ctx.signal })));
  const evidence = { host: endpoint.host, port: endpoint.port, addresses, results: results.map(line), connectTimeoutMs: timeoutMs };
  const findings: Finding[] = [];
  const ok = results.find((r) => r.tls === 'ok');
  if (ok) {
    findings.push({ code: 'OK', summary: `${endpoint.host}: TLS to ${ok.address} in ${ok.connectMs + (ok.tlsMs ?? 0)} ms (certificate ${ok.peerSubject ?? '?'} by ${ok.peerIssuer ?? '?'})`, evidence: { ...evidence, address: ok.address, elapsedMs: ok.connectMs + (ok.tlsMs ?? 0) } });
  } else {
    const first = results.find((r) => r.tcp === 'connected') ?? results[0]!;
    if (first.tcp === 'timeout') {
      const why = await explainFromDocuments(ctx, first.address, started, endpoint.awsService);
      findings.push({
        code: 'EGRESS_TIMEOUT',
        summary: `${endpoint.host} (${subject}): ${addresses.join(', ')}:443 did not answer within ${timeoutMs} ms` + (why?.notes.length ? `; ${why.notes.join('; ')}` : ''),
        evidence: { ...evidence, ...(why ? { routeAnalysis: why.notes } : {}) },
        ...(why?.causes.length ? { causes: why.causes } : {}),
        remedy: why?.remedy ?? {
          text:
            `The pod's subnet needs a way out to ${endpoint.host}: a 0.0.0.0/0 route to a NAT gateway that sits in a public subnet` +
            (endpoint.awsService ? `, or an interface VPC endpoint for com.amazonaws.${ctx.config.region}.${endpoint.awsService} with private DNS whose security group admits 443 from the pod` : '') +
            '; and no NetworkPolicy/security group egress rule may drop 443.',
        },
      });
    } else if (first.tcp !== 'connected') {
      const code = first.tcp === 'refused' ? 'TCP_REFUSED' : first.tcp === 'reset' ? 'TCP_RESET' : first.tcp === 'net-unreachable' ? 'TCP_NET_UNREACHABLE' : 'TCP_HOST_UNREACHABLE';
      findings.push({ code, summary: `${endpoint.host} (${subject}): ${first.address}:443 ${first.tcp}${first.errorCode ? ` (${first.errorCode})` : ''}`, evidence, remedy: { text: `Something between the pod and ${endpoint.host} answers for it: a proxy, firewall or wrong DNS answer.` } });
    } else if (first.tls === 'handshake-timeout') {
      findings.push({ code: 'EGRESS_TLS_FAILED', status: 'error', summary: `${endpoint.host}: ${first.address}:443 accepted but sent no TLS handshake within ${timeoutMs} ms`, evidence });
    } else {
      findings.push({
        code: 'EGRESS_TLS_FAILED',
        summary:
          `${endpoint.host}: TLS with ${first.address} failed — ${first.tls === 'untrusted' ? `the certificate (${first.peerSubject ?? '?'} issued by ${first.peerIssuer ?? '?'}) is not trusted` : first.tls === 'name-mismatch' ? `the certificate (${first.peerSubject ?? '?'}) is not for ${endpoint.host}` : 'the handshake failed'}: ${first.tlsError}`,
        evidence: { ...evidence, peerSubject: first.peerSubject ?? null, peerIssuer: first.peerIssuer ?? null },
        remedy: {
          text:
            first.tls === 'untrusted'
              ? `An intercepting proxy (issuer ${first.peerIssuer ?? '?'}) sits on the path: exempt ${endpoint.host} from TLS inspection, or give the gateway its CA (NODE_EXTRA_CA_CERTS / AWS_CA_BUNDLE).`
              : `DNS sends ${endpoint.host} somewhere else: check the resolver's answer (${addresses.join(', ')}) and any proxy.`,
        },
      });
    }
  }
  if (subject === 'sts-global') findings.push(globalStsWarning(ctx, `sts-global (${endpoint.host}) is configured`));
  else if (subject === 'sts' && String(ctx.env.AWS_STS_REGIONAL_ENDPOINTS ?? '').toLowerCase() === 'legacy') {
    findings.push(globalStsWarning(ctx, 'AWS_STS_REGIONAL_ENDPOINTS=legacy in the pod selects the global sts.amazonaws.com'));
  }
  return findings;
}

/**
 * The account's own explanation of a timeout, within the deadline: to a public address, the route tables and NAT
 * gateways; to a private one, the security groups of the service's interface endpoint (443 from this pod).
 */
async function explainFromDocuments(ctx: ProbeContext, dest: string, started: number, awsService?: string): Promise<EgressExplanation | undefined> {
  const remaining = ctx.config.options.probeTimeoutMs - (Date.now() - started) - 500;
  if (remaining <= 0) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = (async (): Promise<EgressExplanation | undefined> => {
    const podIp = podAddress(ctx);
    if (!podIp) return undefined;
    const [loaded, egress] = await Promise.all([loadNetworkDocs(ctx, podIp), loadEgressDocs(ctx)]);
    const traffic = podTraffic(ctx, loaded, podIp);
    if (isPublic(dest)) {
      if (!loaded.docs.routeTables || !loaded.docs.subnets) return undefined;
      return explainPublicEgress({ ...loaded.docs, natGateways: egress.natGateways }, { podIp, subnetId: traffic.subnetId, vpcId: traffic.vpcId }, dest, ctx.config.region);
    }
    const serviceName = awsService ? `com.amazonaws.${ctx.config.region}.${awsService}` : undefined;
    const vpce = egress.vpcEndpoints?.find((e) => e.ServiceName === serviceName && (e.VpcEndpointType ?? 'Interface') === 'Interface' && (!traffic.vpcId || e.VpcId === traffic.vpcId));
    const groups = (vpce?.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => !!g);
    if (!vpce || !groups.length || !loaded.docs.securityGroups) return undefined;
    const findings = analyzeSecurityGroups(
      loaded.docs,
      { ip: podIp, groupIds: traffic.podGroups, vpcId: traffic.vpcId, basis: traffic.basis, translation: 'none', preferredGroupId: traffic.preferredGroupId },
      { name: `${vpce.VpcEndpointId} (${serviceName})`, port: 443, groupIds: groups, vpcId: vpce.VpcId, addresses: [dest], region: ctx.config.region },
    ).filter((f) => f.code !== 'OK');
    if (!findings.length) return { causes: [], notes: [`${vpce.VpcEndpointId}'s security groups admit 443 from this pod`] };
    return {
      causes: findings.map((f) => f.code),
      notes: findings.map((f) => `interface endpoint ${vpce.VpcEndpointId}: ${f.summary}`),
      remedy: findings[0]!.remedy ? { text: findings[0]!.remedy.text, commands: findings[0]!.remedy.commands } : undefined,
    };
  })().catch(() => undefined);
  try {
    return await Promise.race([work, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), remaining)))]);
  } finally {
    clearTimeout(timer);
  }
}
