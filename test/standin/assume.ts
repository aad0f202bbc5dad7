// AssumeRole under AWS's rules, shared by STS (AssumeRole, AssumeRoleWithWebIdentity) and EKS Auth (the Pod
// Identity agent assumes the associated role as pods.eks.amazonaws.com).
//
// Rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html, STS AssumeRole API reference):
// - the role's trust policy must allow sts:AssumeRole, and sts:TagSession whenever the new session carries
//   tags — the request's Tags and the transitive tags the calling session already carries;
// - the caller's identity policies must allow too, unless the trust policy names the caller's role ARN or
//   session ARN in the same account (the evaluator implements that, and boundaries/SCPs/explicit denies);
// - a nonexistent role is AccessDenied, like a denied one (AWS does not tell them apart);
// - parameter checks that depend on the role (MaxSessionDuration, the 1-hour chaining limit, inherited tag
//   keys, packed size) run after authorisation, so an unauthorised caller learns nothing about the role.
//   (Choice: AWS does not document the order.)
//
// Packed size: AWS compresses session policies and tags into a binary format with an unpublished limit. We
// estimate it as the plaintext characters of every session tag key and value (inherited transitive tags
// included) plus 2 per tag, plus the minified inline session policy and 40 per managed policy ARN, against a
// budget of 2048 — so the six Pod Identity tags of a typical cluster use ~10-15%, and a few long custom tags
// push it past 100%. PackedPolicySize is returned whenever tags or session policies were passed.
//
// Inherited-key conflict: the docs say "If you pass a session tag with the same key as an inherited tag, the
// operation fails" without quoting the error. We answer InvalidParameterValue (400) with the message below;
// the exact AWS wording is not published that we could find.
import { findRole, parseRoleArn } from './iamdata.ts';
import { roleIdFor } from './credentials.ts';
import { AwsFault, type IssuedCredential, type Principal, type StandinContext, type Via } from './types.ts';

export const PACKED_BUDGET = 2048;

export interface SessionTag { Key: string; Value: string }

export interface AssumeInput {
  caller: Principal;
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  externalId?: string;
  tags?: SessionTag[];
  transitiveTagKeys?: string[];
  policy?: string;
  policyArns?: Array<{ arn?: string }>;
  sourceIdentity?: string;
  /** more request context: aws:SourceAccount / aws:SourceArn (EKS), web identity claims */
  context?: Record<string, string | string[]>;
  via: Via;
  /** sts:AssumeRole (default) or sts:AssumeRoleWithWebIdentity */
  action?: string;
  /** the principal string the evaluator sees, when not caller.arn (web identity: the OIDC provider ARN) */
  evaluatedCaller?: Principal;
  /** rewrite the trust policy before evaluation (web identity: provider-specific condition keys) */
  rewriteTrust?: (trust: unknown) => unknown;
}

export interface AssumeResult {
  principal: Principal;
  credentials: IssuedCredential & { expiration: Date };
  packedPolicySize?: number;
}

function validation(message: string): AwsFault {
  return new AwsFault('ValidationError', message, 400);
}

export function packedPercent(tags: Record<string, string>, policy?: string, policyArns: unknown[] = []): number {
  let size = 0;
  for (const [k, v] of Object.entries(tags)) size += k.length + v.length + 2;
  if (policy) {
    try { size += JSON.stringify(JSON.parse(policy)).length; } catch { size += policy.length; }
  }
  size += 40 * policyArns.length;
  return Math.ceil((100 * size) / PACKED_BUDGET);
}

export function validateAssumeParams(input: { roleArn?: string; sessionName?: string; durationSeconds?: number; tags?: SessionTag[] }): void {
  const errors: string[] = [];
  if (!input.roleArn) errors.push(`Value null at 'roleArn' failed to satisfy constraint: Member must not be null`);
  else if (input.roleArn.length < 20) errors.push(`Value '${input.roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`);
  if (!input.sessionName) errors.push(`Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null`);
  else if (!/^[\w+=,.@-]{2,64}$/.test(input.sessionName)) {
    errors.push(input.sessionName.length > 64 || input.sessionName.length < 2
      ? `Value '${input.sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length ${input.sessionName.length > 64 ? 'less than or equal to 64' : 'greater than or equal to 2'}`
      : `Value '${input.sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const d = input.durationSeconds;
  if (d !== undefined) {
    if (!Number.isInteger(d)) errors.push(`Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
    else if (d < 900) errors.push(`Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
    else if (d > 43200) errors.push(`Value '${d}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  }
  if ((input.tags?.length ?? 0) > 50) errors.push(`Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
  for (const [i, t] of (input.tags ?? []).entries()) {
    if (!t.Key || t.Key.length > 128) errors.push(`Value '${t.Key ?? 'null'}' at 'tags.${i + 1}.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`);
    if ((t.Value ?? '').length > 256) errors.push(`Value '${t.Value}' at 'tags.${i + 1}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`);
  }
  if (errors.length) throw validation(`${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`);
}

/** The caller session's transitive tags, passed on to the next session in a chain. */
export function inheritedTags(caller: Principal): Record<string, string> {
  const out: Record<string, string> = {};
  if (caller.kind !== 'assumed-role') return out;
  for (const k of caller.transitiveTagKeys) {
    const key = Object.keys(caller.tags).find((t) => t.toLowerCase() === k.toLowerCase());
    if (key !== undefined) out[key] = caller.tags[key];
  }
  return out;
}

export async function assumeRole(sc: StandinContext, input: AssumeInput): Promise<AssumeResult> {
  const { caller } = input;
  const action = input.action ?? 'sts:AssumeRole';
  validateAssumeParams(input);

  const requestTags: Record<string, string> = {};
  for (const t of input.tags ?? []) requestTags[t.Key] = t.Value ?? '';
  const inherited = inheritedTags(caller);
  const sessionTags: Record<string, string> = { ...inherited, ...requestTags };
  const tagKeys = Object.keys(sessionTags);

  const context: Record<string, string | string[]> = { ...(input.context ?? {}) };
  context['sts:RoleSessionName'] = input.sessionName;
  if (input.externalId !== undefined) context['sts:ExternalId'] = input.externalId;
  if (input.sourceIdentity !== undefined) context['sts:SourceIdentity'] = input.sourceIdentity;
  for (const [k, v] of Object.entries(sessionTags)) context[`aws:RequestTag/${k}`] = v;
  if (tagKeys.length) context['aws:TagKeys'] = tagKeys;
  if (input.transitiveTagKeys?.length) context['sts:TransitiveTagKeys'] = input.transitiveTagKeys;

  const role = findRole(sc.world, input.roleArn);
  const evaluated = input.evaluatedCaller ?? caller;
  if (!role || role.Arn !== input.roleArn) {
    const reason = `role ${input.roleArn} does not exist in the world`;
    sc.deny(caller, action, input.roleArn, { allowed: false, result: 'ImplicitlyDenied', reason, deniedBy: ['resource'] });
  }
  const trust = input.rewriteTrust ? input.rewriteTrust(role.AssumeRolePolicyDocument) : role.AssumeRolePolicyDocument;
  const base = { caller: evaluated, resource: role.Arn, resourcePolicy: trust, context };
  const assume = await sc.authorize({ ...base, action });
  if (!assume.allowed) sc.deny(caller, action, role.Arn, assume);
  if (tagKeys.length) {
    const tag = await sc.authorize({ ...base, action: 'sts:TagSession' });
    if (!tag.allowed) sc.deny(caller, 'sts:TagSession', role.Arn, tag);
  }

  const duration = input.durationSeconds ?? 3600;
  const chained = caller.kind === 'assumed-role';
  if (chained && duration > 3600) {
    throw validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  const maxSession = Number(role.MaxSessionDuration ?? 3600);
  if (duration > maxSession) throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const conflicts = Object.keys(requestTags).filter((k) => Object.keys(inherited).some((i) => i.toLowerCase() === k.toLowerCase()));
  if (conflicts.length) {
    throw new AwsFault('InvalidParameterValue',
      `Session tags cannot override the calling session's transitive session tags: ${conflicts.join(', ')}`, 400);
  }

  const hasPackedInput = tagKeys.length > 0 || !!input.policy || (input.policyArns?.length ?? 0) > 0;
  const packed = hasPackedInput ? packedPercent(sessionTags, input.policy, input.policyArns) : undefined;
  if (packed !== undefined && packed > 100) {
    const what = tagKeys.length && !input.policy && !input.policyArns?.length ? 'session tags' : 'session policy and session tags';
    throw new AwsFault('PackedPolicyTooLarge', `Packed size of ${what} consumes ${packed}% of allotted space.`, 400);
  }

  let sessionPolicy: unknown;
  if (input.policy) {
    try { sessionPolicy = JSON.parse(input.policy); } catch {
      throw new AwsFault('MalformedPolicyDocument', 'The policy is not in the valid JSON format.', 400);
    }
  }
  // Managed session policies (PolicyArns) are not modelled: the gateway never passes them.
  const parsed = parseRoleArn(role.Arn)!;
  const transitive = [...new Set([...Object.keys(inherited), ...(input.transitiveTagKeys ?? [])])];
  const principal: Principal = {
    kind: 'assumed-role',
    arn: `arn:aws:sts::${parsed.account}:assumed-role/${parsed.name}/${input.sessionName}`,
    roleArn: role.Arn,
    roleId: role.RoleId ?? roleIdFor(role.Arn),
    accountId: parsed.account,
    sessionName: input.sessionName,
    tags: sessionTags,
    transitiveTagKeys: transitive,
    via: input.via,
    expiration: new Date(Date.now() + duration * 1000),
    chained,
    sourceIdentity: input.sourceIdentity ?? caller.sourceIdentity,
    ...(sessionPolicy ? { sessionPolicy } : {}),
  };
  const credentials = sc.issue(principal);
  return { principal, credentials, packedPolicySize: packed };
}
