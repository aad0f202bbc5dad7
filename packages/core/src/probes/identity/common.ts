// Helpers the identity probes share: the gateway's namespace/service account/deployment as far as the pod knows
// them, the contract's statements filled with the real ids, and remedies borrowed from the policy analysis.
import type { Config, Outcome, ProbeContext, Remedy } from '../../types.ts';
import { deploymentFromPodName } from './classify.ts';
import { policyProbes } from '../policy/index.ts';

/**
 * The policy probes this area waits for, limited to those registered: the registry rejects an `after` on an
 * unknown id, and the policy area lands its probes on its own schedule.
 */
export function registeredPolicyProbes(ids: string[]): string[] {
  const known = new Set(policyProbes.map((p) => p.meta.id));
  return ids.filter((id) => known.has(id));
}

export interface Workload {
  namespace: string;
  serviceAccount: string;
  deployment: string;
  cluster: string;
  /** true when a value is a placeholder because neither the config nor the pod says it */
  guessed: boolean;
}

/** The namespace, service account and deployment to put in commands (placeholders only when nothing says). */
export function workload(config: Config, env: Readonly<Record<string, string | undefined>>): Workload {
  const namespace = config.namespace ?? env.POD_NAMESPACE;
  const serviceAccount = config.serviceAccount;
  const deployment = deploymentFromPodName(env.POD_NAME);
  return {
    namespace: namespace ?? '<namespace>',
    serviceAccount: serviceAccount ?? '<service-account>',
    deployment: deployment ?? '<deployment>',
    cluster: config.clusterName,
    guessed: !namespace || !serviceAccount || !deployment,
  };
}

/** The contract's self statement (DESIGN.md): the role's own ARN, AssumeRole + TagSession, no ExternalId. */
export function selfStatement(roleArn: string): Record<string, unknown> {
  return {
    Sid: 'AllowSelfAssume',
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
  };
}

/** The contract's Pod Identity statement. */
export function podIdentityStatement(): Record<string, unknown> {
  return {
    Sid: 'AllowEksPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
  };
}

/** The identity-policy grant the setup guide asks for (needed when the trust admits the role via the account root). */
export function selfAssumePermission(roleArn: string): Record<string, unknown> {
  return {
    Sid: 'SelfAssume',
    Effect: 'Allow',
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Resource: roleArn,
  };
}

/** Outcomes of the given probes whose code is one of `codes` (the causes), in registry order. */
export function causeOutcomes(ctx: ProbeContext, probeIds: string[], codes: string[]): Outcome[] {
  const wanted = new Set(codes);
  const out: Outcome[] = [];
  for (const id of probeIds) {
    for (const o of safeGet(ctx, id)) if (wanted.has(o.code) && o.status !== 'pass') out.push(o);
  }
  return out;
}

/** ctx.results.get that tolerates a probe not (yet) in the registry. */
export function safeGet(ctx: ProbeContext, probeId: string, subject?: string): Outcome[] {
  try {
    return ctx.results.get(probeId, subject) ?? [];
  } catch {
    return [];
  }
}

/** failureCodes that tolerates probes not (yet) in the registry. */
export function safeFailureCodes(ctx: ProbeContext, probeIds: string[]): string[] {
  const codes: string[] = [];
  for (const id of probeIds) {
    try {
      codes.push(...ctx.results.failureCodes([id]));
    } catch {
      // not registered: nothing to join
    }
  }
  return codes;
}

/**
 * The remedy of the causes when the policy analysis gave one (its corrected statement is more exact than
 * anything this probe can say), else the fallback.
 */
export function remedyFromCauses(causes: Outcome[], fallback: Remedy): Remedy {
  const withRemedy = causes.filter((o) => o.remedy);
  if (withRemedy.length === 0) return fallback;
  const text = withRemedy.map((o) => `${o.code} (${o.probe}): ${o.remedy!.text}`).join('\n');
  const commands = withRemedy.flatMap((o) => o.remedy!.commands ?? []);
  const policy = withRemedy.find((o) => o.remedy!.policy !== undefined)?.remedy!.policy;
  return { text, ...(commands.length ? { commands } : {}), ...(policy !== undefined ? { policy } : {}) };
}

/** Evidence of the identity.caller outcome (the gateway's own session), if it ran. */
export function callerEvidence(ctx: ProbeContext): { arn?: string; account?: string } {
  const o = safeGet(ctx, 'identity.caller')[0];
  const arn = typeof o?.evidence?.arn === 'string' ? o.evidence.arn : undefined;
  const account = typeof o?.evidence?.account === 'string' ? o.evidence.account : undefined;
  return { ...(arn ? { arn } : {}), ...(account ? { account } : {}) };
}

/** A remaining-time budget inside the probe deadline, so our own waits end before the runner's PROBE_TIMEOUT. */
export function budgetMs(config: Config, startedAt: number, marginMs = 750): number {
  return Math.max(250, config.options.probeTimeoutMs - (Date.now() - startedAt) - marginMs);
}

/**
 * The offline check of the role's documents, for when this run could not read them (the pod has no credentials,
 * or the role may not read IAM): run from any machine that may.
 */
export function offlineLintCommands(config: Config): string[] {
  const roleName = config.roleArn.split('/').pop();
  const flags = [
    `--role-arn ${config.roleArn}`,
    `--platform-account-id ${config.platformAccountId}`,
    `--organization-id ${config.organizationId}`,
    `--cluster-name ${config.clusterName}`,
    ...(config.namespace ? [`--namespace ${config.namespace}`] : []),
    ...(config.serviceAccount ? [`--service-account ${config.serviceAccount}`] : []),
  ].join(' ');
  return [`aws iam get-role --role-name ${roleName} --output json > role.json`, `gateway-doctor lint role.json ${flags}`];
}
