// The chained sts:AssumeRole on the gateway's own role, shared by identity.self-assume (no tags, as the gateway
// re-assumes) and identity.tag-session (with the configured sessionTags). STS's verdict is quoted as AWS worded
// it; root causes come from the policy analysis (policy.trust, policy.permissions) when it ran.
import type { AwsCallErrorInfo, Evidence, Finding, ProbeContext, Remedy } from '../../types.ts';
import { registerSecret } from '../../redact.ts';
import { isAwsCallError } from '../../aws/errors.ts';
import { genericErrorFinding } from '../helpers.ts';
import { classifyAssumeRoleError, deniedAction, relevantCauses, type AssumeRoleCode } from './classify.ts';
import {
  callerEvidence,
  causeOutcomes,
  offlineLintCommands,
  registeredPolicyProbes,
  remedyFromCauses,
  safeFailureCodes,
  selfAssumePermission,
  selfStatement,
} from './common.ts';

export const POLICY_PROBES = registeredPolicyProbes(['policy.trust', 'policy.permissions']);

export interface AssumeAttempt {
  mode: 'self' | 'tags';
  sessionName: string;
  tags?: Record<string, string>;
}

interface AssumeRoleOutput {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date | string };
  AssumedRoleUser?: { Arn?: string; AssumedRoleId?: string };
  PackedPolicySize?: number;
}

export type AssumeResult =
  | { ok: true; evidence: Evidence }
  | { ok: false; finding: Finding; info?: AwsCallErrorInfo; code?: AssumeRoleCode };

/** Calls AssumeRole as the gateway would; returns the pass evidence or the finding for its failure. */
export async function assumeOwnRole(ctx: ProbeContext, attempt: AssumeAttempt): Promise<AssumeResult> {
  const { roleArn, sessionDurationSeconds } = ctx.config;
  const caller = callerEvidence(ctx);
  const input: Record<string, unknown> = {
    RoleArn: roleArn,
    RoleSessionName: attempt.sessionName,
    DurationSeconds: sessionDurationSeconds,
  };
  if (attempt.tags) input.Tags = Object.entries(attempt.tags).map(([Key, Value]) => ({ Key, Value }));
  const base: Evidence = {
    roleArn,
    durationSeconds: sessionDurationSeconds,
    ...(caller.arn ? { callerArn: caller.arn } : {}),
    ...(attempt.tags ? { tagKeys: Object.keys(attempt.tags) } : {}),
  };
  try {
    const out = await ctx.aws.call<AssumeRoleOutput>('sts', 'AssumeRole', input);
    for (const v of [out.Credentials?.SecretAccessKey, out.Credentials?.SessionToken, out.Credentials?.AccessKeyId]) {
      if (v) registerSecret(v);
    }
    const exp = out.Credentials?.Expiration;
    return {
      ok: true,
      evidence: {
        ...base,
        ...(out.AssumedRoleUser?.Arn ? { assumedRoleArn: out.AssumedRoleUser.Arn } : {}),
        ...(exp ? { expiration: exp instanceof Date ? exp.toISOString() : String(exp) } : {}),
        ...(typeof out.PackedPolicySize === 'number' ? { packedPolicySizePercent: out.PackedPolicySize } : {}),
      },
    };
  } catch (err) {
    if (!isAwsCallError(err)) throw err;
    const info = err.info;
    const code = classifyAssumeRoleError(info, attempt.mode);
    if (!code) {
      const generic = genericErrorFinding(err, ctx);
      if (generic) return { ok: false, finding: generic, info };
      // An STS answer we cannot place: say what STS said, as an undecided result.
      return {
        ok: false,
        info,
        finding: {
          code: 'SERVICE_ERROR',
          status: 'error',
          summary: `STS answered AssumeRole with ${info.awsCode ?? info.kind}: ${info.message}`,
          evidence: stsEvidence(base, info),
        },
      };
    }
    return { ok: false, code, info, finding: failureFinding(ctx, attempt, code, info, base) };
  }
}

function stsEvidence(base: Evidence, info: AwsCallErrorInfo): Evidence {
  return {
    ...base,
    ...(info.awsCode ? { awsCode: info.awsCode } : {}),
    awsMessage: info.message,
    ...(info.httpStatus ? { httpStatus: info.httpStatus } : {}),
    ...(info.requestId ? { requestId: info.requestId } : {}),
  };
}

/** `AccessDenied: User: ... is not authorized to perform: sts:AssumeRole on resource: ...` — STS's own words. */
export function quoteSts(info: AwsCallErrorInfo): string {
  return `${info.awsCode ? `${info.awsCode}: ` : ''}${info.message}`;
}

function failureFinding(
  ctx: ProbeContext,
  attempt: AssumeAttempt,
  code: AssumeRoleCode,
  info: AwsCallErrorInfo,
  base: Evidence,
): Finding {
  const { roleArn, sessionDurationSeconds } = ctx.config;
  const evidence = stsEvidence(base, info);
  const action = deniedAction(info.message);
  if (action) evidence.deniedAction = action;
  const what = attempt.mode === 'self' ? 'The self-assume (no ExternalId, no tags)' : 'The assume with the configured session tags';
  const quoted = quoteSts(info);
  switch (code) {
    case 'SELF_ASSUME_DENIED':
    case 'SELF_ASSUME_TAG_SESSION_DENIED':
    case 'TAG_SESSION_DENIED': {
      const tagSession = code !== 'SELF_ASSUME_DENIED' && action !== 'sts:AssumeRole';
      const causes = relevantCauses(tagSession ? 'tag-session' : 'self-assume', safeFailureCodes(ctx, POLICY_PROBES));
      const outcomes = causeOutcomes(ctx, POLICY_PROBES, causes);
      const outside = causes.length === 0 && documentsAllow(ctx);
      if (outside) evidence.roleDocumentsAllow = true;
      const fallback: Remedy = outside
        ? outsideRoleRemedy(roleArn, action ?? (tagSession ? 'sts:TagSession' : 'sts:AssumeRole'), info.message)
        : tagSession
        ? {
            text:
              `Every chained call from a Pod Identity session carries its six transitive session tags, so the trust policy's self statement must allow sts:TagSession as well as sts:AssumeRole (and, when the trust admits the role only through the account root, the role's permission policy must grant both on ${roleArn}). The self statement:`,
            policy: selfStatement(roleArn),
            commands: offlineLintCommands(ctx.config),
          }
        : {
            text:
              `Since 2022-09 a role no longer trusts itself implicitly: its trust policy needs its own statement naming ${roleArn}, separate from the platform statement and without an sts:ExternalId condition (the gateway sends none). Add this statement; the permission policy should also grant the same actions on the role (required when the trust admits the role only through the account root):`,
            policy: { trustStatement: selfStatement(roleArn), permissionStatement: selfAssumePermission(roleArn) },
            commands: offlineLintCommands(ctx.config),
          };
      return {
        code,
        summary: `${what} was denied by STS: ${quoted}`,
        evidence,
        ...(causes.length ? { causes } : {}),
        remedy: remedyFromCauses(outcomes, fallback),
      };
    }
    case 'CHAINING_DURATION_EXCEEDED':
      return {
        code,
        summary: `${what} asked for DurationSeconds=${sessionDurationSeconds}, above the 1 hour limit of a role-chained session: ${quoted}`,
        evidence,
        remedy: {
          text:
            `A Pod Identity session is itself an assumed role, so re-assuming from it is role chaining, capped at 3600 seconds whatever the role's MaxSessionDuration. Set sessionDurationSeconds: 3600 (or less; now ${sessionDurationSeconds}) in the gateway's configuration and in gateway-doctor's, and refresh the chained session before it expires.`,
        },
      };
    case 'PACKED_POLICY_TOO_LARGE':
      return {
        code,
        summary: `${what} exceeds STS's packed size for session tags: ${quoted}`,
        evidence,
        remedy: {
          text:
            'The six transitive Pod Identity tags (cluster ARN and name, namespace, service account, pod name and uid) already use part of the packed allowance; the configured session tags must fit in the rest. Use fewer or shorter session tag keys and values (long pod or cluster names count too), or disable the Pod Identity session tags on the association if no policy uses them (aws eks update-pod-identity-association --disable-session-tags).',
        },
      };
    case 'TAG_KEY_CONFLICT':
      return {
        code,
        summary: `STS refused a configured session tag key that the Pod Identity session already carries as a transitive tag: ${quoted}`,
        evidence,
        remedy: tagConflictRemedy(Object.keys(attempt.tags ?? {})),
      };
    case 'ASSUME_ROLE_REJECTED':
      return {
        code,
        summary: `STS rejected ${attempt.mode === 'self' ? 'the self-assume' : 'the tagged assume'}: ${quoted}`,
        evidence,
        remedy: {
          text: `STS refused the request itself, not the permission. Its message says which parameter: compare DurationSeconds=${sessionDurationSeconds} with the role's MaxSessionDuration (aws iam get-role), and check that STS is enabled in region ${ctx.config.region}.`,
          commands: [`aws iam get-role --role-name ${roleArn.split('/').pop()} --query Role.MaxSessionDuration`],
        },
      };
  }
}

/** policy.trust and policy.permissions both read the role and found nothing: its own documents allow the request. */
function documentsAllow(ctx: ProbeContext): boolean {
  if (POLICY_PROBES.length < 2) return false;
  return POLICY_PROBES.every((id) => {
    const outs = ctx.results.get(id);
    return outs.length > 0 && outs.every((o) => o.status === 'pass');
  });
}

/**
 * STS denied what the role's trust policy, identity policies and boundary allow: the policy that denies is outside
 * the role — an organization's SCP (which caps the role's own sessions but never EKS's service principal, so Pod
 * Identity still works) or RCP. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 */
function outsideRoleRemedy(roleArn: string, action: string, message: string): Remedy {
  const account = roleArn.split(':')[4] ?? '<account-id>';
  const named = /service control policy/i.test(message) ? ' (STS names a service control policy)' : /resource control policy/i.test(message) ? ' (STS names a resource control policy)' : '';
  return {
    text:
      `The role's trust policy, identity policies and permissions boundary allow ${action} on ${roleArn} as gateway-doctor read them (policy.trust and policy.permissions found nothing), so the denial comes from a policy outside the role${named}: a service control policy or resource control policy of the AWS Organization that denies (or does not allow) ${action} for this account — or from a condition of the role's policies that cannot be evaluated from the documents (aws:SourceIp, aws:SourceVpc(e), aws:PrincipalOrgID, a date), which gateway-doctor takes as met. SCPs apply to the role's own sessions but never to EKS's service principal, which is why Pod Identity still delivers credentials. From the organization's management account, list the policies on account ${account} and allow ${action} for ${roleArn}:`,
    commands: [
      `aws organizations list-policies-for-target --target-id ${account} --filter SERVICE_CONTROL_POLICY`,
      `aws organizations list-policies-for-target --target-id ${account} --filter RESOURCE_CONTROL_POLICY`,
    ],
  };
}

export function tagConflictRemedy(keys: string[]): Remedy {
  return {
    text:
      `EKS Pod Identity sets eks-cluster-arn, eks-cluster-name, kubernetes-namespace, kubernetes-service-account, kubernetes-pod-name and kubernetes-pod-uid as transitive session tags; a chained AssumeRole cannot set them again. Rename the conflicting keys in sessionTags (configured keys: ${keys.join(', ') || 'none'}), e.g. prefix them with the gateway's name; policies can read the Pod Identity values as aws:PrincipalTag/<key> anyway.`,
  };
}
