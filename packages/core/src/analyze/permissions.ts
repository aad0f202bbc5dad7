// The role's permission policies (inline, attached managed, permissions boundary, SCPs where given) against what
// the gateway does: re-assume itself with tags, read each configured secret, decrypt it where a customer managed
// key protects it. AWS's evaluation order: an explicit Deny anywhere wins; an SCP and a boundary must allow; the
// identity policy must allow unless the trust policy names the role's ARN (same account), which suffices alone.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
import {
  accountOfArn,
  evaluatePolicies,
  evaluatePolicy,
  hasWildcard,
  parsePolicy,
  partitionOfArn,
  roleNameOfArn,
  statementPointer,
  type AuthRequest,
  type Policy,
  type StatementResult,
} from './iam.ts';
import { describeStatement, type PolicyContract, type PolicyFinding, type PolicyKind, type PolicyLocation } from './policy-types.ts';
import { selfPrincipal, selfRequest, type SelfAdmission } from './trust.ts';
import { kmsDecryptStatement, secretResource, secretsPermissionStatement, selfPermissionStatement, type PolicyDocumentJson } from '../templates/policies.ts';

export interface NamedPolicy {
  kind: Exclude<PolicyKind, 'trust' | 'key'>;
  name: string;
  arn?: string;
  document: unknown;
}

export interface PermissionInputs {
  /** Inline and attached managed policies. */
  identityPolicies: NamedPolicy[];
  boundary?: NamedPolicy;
  scps?: NamedPolicy[];
  /** From the trust analysis; 'unknown' when the trust policy was not available. */
  selfAdmission: SelfAdmission | 'unknown';
  /** How the trust admits sts:TagSession, when it differs from sts:AssumeRole (defaults to selfAdmission). */
  tagSessionAdmission?: SelfAdmission | 'unknown';
}

export interface PermissionAnalysis {
  findings: PolicyFinding[];
  /** Documents that could not be parsed (reported as findings by the caller's choice). */
  unreadable: { policy: NamedPolicy; message: string }[];
}

interface Parsed {
  named: NamedPolicy;
  policy: Policy;
}

function parseAll(list: NamedPolicy[], unreadable: PermissionAnalysis['unreadable']): Parsed[] {
  const out: Parsed[] = [];
  for (const named of list) {
    const { policy, issues } = parsePolicy(named.document);
    if (!policy) unreadable.push({ policy: named, message: issues.map((i) => i.message).join('; ') });
    else out.push({ named, policy });
  }
  return out;
}

function locate(parsed: Parsed[], result: StatementResult, field?: string): PolicyLocation | undefined {
  const owner = parsed.find((p) => p.policy.statements.includes(result.statement));
  if (!owner) return undefined;
  return {
    kind: owner.named.kind,
    policyName: owner.named.name,
    policyArn: owner.named.arn,
    pointer: statementPointer(owner.policy, result.statement.index) + (field ? `/${field}` : ''),
    statementIndex: result.statement.index,
    sid: result.statement.sid,
  };
}

function ownerName(parsed: Parsed[], result: StatementResult): string {
  const owner = parsed.find((p) => p.policy.statements.includes(result.statement));
  return owner ? `${owner.named.kind} policy ${owner.named.name}` : 'a policy';
}

/** A secret's ARN as the request names it: a configured ARN without its suffix stands for the real, suffixed one. */
function secretRequestArn(secretArn: string): string {
  return /-[A-Za-z0-9]{6}$/.test(secretArn) ? secretArn : `${secretArn}-AbCdEf`;
}

function secretRequest(contract: PolicyContract, secretArn: string): AuthRequest {
  const principal = selfPrincipal(contract);
  // The secret's tags, where DescribeSecret read them, are aws:ResourceTag/* (and secretsmanager:ResourceTag/*); else unknown.
  const tags = contract.secretTags?.[secretArn];
  const tagContext: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) {
    tagContext[`aws:ResourceTag/${k}`] = v;
    tagContext[`secretsmanager:ResourceTag/${k}`] = v;
  }
  return {
    principal,
    action: 'secretsmanager:GetSecretValue',
    resource: secretRequestArn(secretArn),
    context: {
      'aws:PrincipalArn': contract.roleArn,
      'aws:PrincipalAccount': principal.accountId ?? '',
      'secretsmanager:SecretId': secretArn,
      'aws:RequestedRegion': secretArn.split(':')[3] ?? contract.region ?? '',
      ...tagContext,
    },
    unknownKeys: [...(tags ? [] : ['aws:resourcetag/', 'secretsmanager:resourcetag/']), 'aws:principaltag/', 'secretsmanager:versionstage', 'secretsmanager:versionid', 'aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:vpcsourceip', 'aws:principalorgid', 'aws:calledvia', 'aws:viaawsservice', 'aws:currenttime', 'aws:epochtime', 'aws:securetransport'],
  };
}

/** An identity-policy grant names the secret without its random 6-character suffix: the classic cause. */
function missingSuffix(identity: Parsed[], secretArn: string): { result: StatementResult; resource: string } | undefined {
  const withoutSuffix = secretArn.replace(/-[A-Za-z0-9]{6}$/, '');
  for (const p of identity) {
    for (const st of p.policy.statements) {
      if (st.effect !== 'Allow') continue;
      const r = (st.resources ?? []).find((res) => res === withoutSuffix);
      if (r) {
        const result = evaluatePolicy({ ...p.policy, statements: [st] }, { action: 'secretsmanager:GetSecretValue', resource: secretArn, context: {} }).results[0];
        if (result.actionMatch) return { result, resource: r };
      }
    }
  }
  return undefined;
}

/** Analyzes the permission side. The trust side's verdict on the self-assume sets the status of the STS checks. */
export function analyzePermissions(inputs: PermissionInputs, contract: PolicyContract): PermissionAnalysis {
  const findings: PolicyFinding[] = [];
  const unreadable: PermissionAnalysis['unreadable'] = [];
  const identity = parseAll(inputs.identityPolicies, unreadable);
  const boundary = inputs.boundary ? parseAll([inputs.boundary], unreadable)[0] : undefined;
  const scps = parseAll(inputs.scps ?? [], unreadable);
  const all = [...identity, ...(boundary ? [boundary] : []), ...scps];
  const roleName = roleNameOfArn(contract.roleArn);
  const inline = inputs.identityPolicies.find((p) => p.kind === 'inline');
  const putCommand = `aws iam put-role-policy --role-name ${roleName} --policy-name ${inline?.name ?? 'gateway'} --policy-document file://permissions.json`;

  /** A policy's document with `add` appended, or put in place of the statement at `replaceIndex`. */
  const correctedDoc = (base: Parsed | undefined, add: Record<string, unknown>, replaceIndex?: number): PolicyDocumentJson => {
    const statements: Record<string, unknown>[] = base ? base.policy.statements.map((s) => structuredClone(s.raw)) : [];
    const position = base && replaceIndex !== undefined ? base.policy.statements.findIndex((s) => s.index === replaceIndex) : -1;
    if (position >= 0) statements.splice(position, 1, add);
    else {
      const sids = new Set(statements.map((s) => s.Sid));
      let sid = add.Sid as string;
      for (let n = 2; sids.has(sid); n++) sid = `${add.Sid}${n}`;
      statements.push({ ...add, Sid: sid });
    }
    return { Version: '2012-10-17', Statement: statements };
  };
  const inlineParsed = identity.find((p) => p.named.kind === 'inline');
  // Every fix to the inline policy goes into ONE corrected document: the remedies all write permissions.json and
  // put-role-policy replaces the whole policy, so a document per finding would undo the fix applied before it.
  const inlineAdds: Record<string, unknown>[] = [];
  const inlineReplacements = new Map<number, Record<string, unknown>>();
  const inlineDocs: PolicyDocumentJson[] = [];
  const inlineDoc = (): PolicyDocumentJson => {
    const doc = { Version: '2012-10-17', Statement: [] } as unknown as PolicyDocumentJson;
    inlineDocs.push(doc);
    return doc;
  };
  /** The inline policy with the statement added (or a new inline policy holding it), with every other inline fix. */
  const correctedInline = (add: Record<string, unknown>): PolicyDocumentJson => {
    if (!inlineAdds.some((a) => JSON.stringify(a) === JSON.stringify(add))) inlineAdds.push(add);
    return inlineDoc();
  };
  const finishInlineDocs = () => {
    if (!inlineDocs.length) return;
    let full: PolicyDocumentJson = { Version: '2012-10-17', Statement: inlineParsed ? inlineParsed.policy.statements.map((st) => structuredClone(st.raw)) : [] } as unknown as PolicyDocumentJson;
    if (inlineParsed) for (const [index, add] of inlineReplacements) full = { ...full, Statement: (full.Statement as Record<string, unknown>[]).map((st, i) => (inlineParsed.policy.statements[i]?.index === index ? add : st)) } as PolicyDocumentJson;
    for (const add of inlineAdds) {
      const statements = full.Statement as Record<string, unknown>[];
      if (statements.some((st) => JSON.stringify(st) === JSON.stringify(add))) continue;
      const sids = new Set(statements.map((st) => st.Sid));
      let sid = add.Sid as string;
      for (let n = 2; sid !== undefined && sids.has(sid); n++) sid = `${add.Sid}${n}`;
      statements.push(sid === undefined ? add : { ...add, Sid: sid });
    }
    for (const doc of inlineDocs) Object.assign(doc, structuredClone(full));
  };
  const applyCommand = (p: Parsed): string =>
    (p.named.kind === 'managed' || p.named.kind === 'boundary') && p.named.arn
      ? `aws iam create-policy-version --policy-arn ${p.named.arn} --policy-document file://permissions.json --set-as-default`
      : `aws iam put-role-policy --role-name ${roleName} --policy-name ${p.named.name} --policy-document file://permissions.json`;

  /** The owner policy without the Deny statement (narrowing it instead is as good; removing is what we can prove). */
  const denyRemedy = (deny: StatementResult, request: AuthRequest) => {
    const owner = all.find((p) => p.policy.statements.includes(deny.statement));
    const text = `Remove or narrow ${describeStatement(deny.statement.index, deny.statement.sid)} of the ${ownerName(all, deny)} so it no longer matches ${request.action} on ${request.resource}.`;
    if (!owner) return { text };
    const statements = owner.policy.statements.filter((st) => st !== deny.statement).map((st) => structuredClone(st.raw));
    return {
      text: `${text} The policy without it is below.`,
      commands: owner.named.kind === 'scp' ? [] : [applyCommand(owner)],
      policy: { Version: '2012-10-17', Statement: statements } as PolicyDocumentJson,
    };
  };

  /** Explicit denies, SCP and boundary gaps for one request; returns whether any blocked it. */
  const checkGuards = (request: AuthRequest, what: string, subject?: string, boundaryApplies = true): boolean => {
    let blocked = false;
    const denies = evaluatePolicies(all.map((p) => p.policy), request).denies;
    for (const deny of denies) {
      blocked = true;
      findings.push({
        code: 'PERMISSION_EXPLICIT_DENY',
        status: 'fail',
        subject,
        summary: `${describeStatement(deny.statement.index, deny.statement.sid)} of the ${ownerName(all, deny)} explicitly denies ${request.action} on ${request.resource} (${what}); an explicit Deny overrides every Allow`,
        location: locate(all, deny),
        key: 'Effect',
        expected: `no Deny matching ${request.action}`,
        actual: 'Deny',
        evidence: { action: request.action, resource: request.resource },
        remedy: denyRemedy(deny, request),
      });
    }
    if (scps.length && evaluatePolicies(scps.map((p) => p.policy), request).decision !== 'Allow') {
      blocked = true;
      findings.push({
        code: 'PERMISSION_SCP_BLOCKS',
        status: 'fail',
        subject,
        summary: `No service control policy allows ${request.action} on ${request.resource} (${what}): an SCP caps every principal of the account`,
        location: { kind: 'scp', pointer: '/Statement' },
        key: 'Action',
        expected: request.action,
        actual: 'not allowed by the SCPs',
        evidence: { action: request.action, resource: request.resource },
        remedy: { text: `Ask the organization's administrators to allow ${request.action} for this account in its SCPs.`, policy: { Effect: 'Allow', Action: request.action, Resource: request.resource } },
      });
    }
    if (boundaryApplies && boundary && evaluatePolicy(boundary.policy, request).decision === 'ImplicitDeny') {
      blocked = true;
      const add = { Sid: 'GatewayNeeds', Effect: 'Allow', Action: request.action, Resource: request.resource };
      const doc: PolicyDocumentJson = { Version: '2012-10-17', Statement: [...boundary.policy.statements.map((s) => structuredClone(s.raw)), add] };
      findings.push({
        code: 'PERMISSION_BOUNDARY_BLOCKS',
        status: 'fail',
        subject,
        summary: `The permissions boundary ${boundary.named.name} does not allow ${request.action} on ${request.resource} (${what}): a boundary caps the role's sessions even where the trust policy names the role`,
        location: { kind: 'boundary', policyName: boundary.named.name, policyArn: boundary.named.arn, pointer: '/Statement' },
        key: 'Action',
        expected: request.action,
        actual: 'not in the boundary',
        evidence: { action: request.action, resource: request.resource, boundaryArn: boundary.named.arn ?? boundary.named.name },
        remedy: {
          text: `Add ${JSON.stringify(add)} to the boundary policy ${boundary.named.name}.`,
          commands: boundary.named.arn ? [`aws iam create-policy-version --policy-arn ${boundary.named.arn} --policy-document file://boundary.json --set-as-default`] : [],
          policy: doc,
        },
      });
    }
    return blocked;
  };

  // ---- self-assume and TagSession on the role itself
  const admissionFor = (action: string) => (action === 'sts:TagSession' ? inputs.tagSessionAdmission ?? inputs.selfAdmission : inputs.selfAdmission);
  const whyFor = (admission: SelfAdmission | 'unknown') =>
    admission === 'account-root'
      ? 'the trust policy admits the role only through the account root, so the identity policy decides and STS denies the call'
      : admission === 'direct'
        ? 'AWS needs no identity grant here, since the trust policy names the role ARN, but the setup guide asks for one'
        : 'the setup guide asks for it (once the trust policy names the role ARN, AWS needs no identity grant)';
  for (const [action, code] of [
    ['sts:AssumeRole', 'PERMISSION_SELF_ASSUME_MISSING'],
    ['sts:TagSession', 'PERMISSION_TAG_SESSION_MISSING'],
  ] as const) {
    const request = selfRequest(contract, action, action === 'sts:TagSession');
    delete request.principal; // identity policies name no principal
    // A trust grant to "*" names the session itself: the boundary's implicit deny does not limit it.
    checkGuards(request, 'the gateway\'s self-assume', undefined, admissionFor(action) !== 'wildcard');
    const decision = evaluatePolicies(identity.map((p) => p.policy), request);
    if (decision.decision === 'ImplicitDeny') {
      const add = selfPermissionStatement(contract.roleArn);
      const admission = admissionFor(action);
      findings.push({
        code,
        status: admission === 'account-root' ? 'fail' : 'warn',
        summary: `No identity policy of the role grants ${action} on its own ARN ${contract.roleArn}: ${whyFor(admission)}`,
        location: { kind: 'inline', policyName: inline?.name, pointer: '/Statement' },
        key: 'Action',
        expected: `${action} on ${contract.roleArn}`,
        actual: 'not granted',
        evidence: { action, resource: contract.roleArn, selfAdmission: admission },
        remedy: { text: `Add ${JSON.stringify(add)} to the role's permission policy.`, commands: [putCommand], policy: correctedInline(add) },
      });
    }
  }

  // ---- secrets
  const secrets = contract.secrets ?? [];
  for (const secretArn of secrets) {
    const request = secretRequest(contract, secretArn);
    delete request.principal;
    checkGuards(request, 'reading the connector secret', secretArn);
    const decision = evaluatePolicies(identity.map((p) => p.policy), request);
    if (decision.decision !== 'ImplicitDeny') continue;
    const suffix = missingSuffix(identity, secretRequestArn(secretArn));
    // A grant that names the secret but whose condition does not hold (e.g. aws:ResourceTag/* against the secret's tags).
    const conditioned = suffix ? undefined : decision.results.find((r) => r.statement.effect === 'Allow' && r.actionMatch && r.resourceMatch && !r.conditionMatch);
    const add = secretsPermissionStatement([secretArn]);
    findings.push({
      code: 'PERMISSION_SECRETS_MISSING',
      status: 'fail',
      subject: secretArn,
      summary: suffix
        ? `${describeStatement(suffix.result.statement.index, suffix.result.statement.sid)} of the ${ownerName(identity, suffix.result)} names the secret as ${suffix.resource}, without the 6-character suffix Secrets Manager adds to every secret ARN, so it matches nothing: grant ${secretResource(secretArn)}`
        : conditioned
          ? `${describeStatement(conditioned.statement.index, conditioned.statement.sid)} grants secretsmanager:GetSecretValue on ${secretArn}, but its condition does not hold for it: ${conditioned.failedConditions.map((e) => e.message).join('; ')}`
          : `No identity policy of the role grants secretsmanager:GetSecretValue on ${secretArn}`,
      location: suffix ? locate(identity, suffix.result, 'Resource') : { kind: 'inline', policyName: inline?.name, pointer: '/Statement' },
      key: 'Resource',
      expected: secretResource(secretArn),
      actual: suffix ? suffix.resource : 'not granted',
      evidence: { action: 'secretsmanager:GetSecretValue', secret: secretArn },
      remedy: { text: `Grant ${JSON.stringify(add)} in the role's permission policy.`, commands: [putCommand], policy: correctedInline(add) },
    });
  }
  // Grants broader than the configured secrets (a `-??????` suffix is exact enough).
  {
    const configured = new Set(secrets.flatMap((s) => [s, secretResource(s)]));
    for (const p of identity) {
      for (const st of p.policy.statements) {
        if (st.effect !== 'Allow') continue;
        const grants = evaluatePolicy({ ...p.policy, statements: [st] }, { action: 'secretsmanager:GetSecretValue', resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x-AbCdEf', context: {} }).results[0];
        if (!grants.actionMatch) continue;
        const broad = st.notResources ? ['NotResource ' + st.notResources.join(', ')] : (st.resources ?? []).filter((r) => isBroadSecretResource(r) && !configured.has(r));
        if (!broad.length) continue;
        const add = secrets.length ? secretsPermissionStatement(secrets) : undefined;
        findings.push({
          code: 'PERMISSION_SECRETS_WILDCARD',
          status: 'warn',
          summary: `${describeStatement(st.index, st.sid)} of the ${p.named.kind} policy ${p.named.name} grants secretsmanager:GetSecretValue on ${broad.join(', ')}: broader than the configured secrets`,
          location: { kind: p.named.kind, policyName: p.named.name, policyArn: p.named.arn, pointer: `${statementPointer(p.policy, st.index)}/Resource`, statementIndex: st.index, sid: st.sid },
          key: 'Resource',
          expected: secrets.length ? secrets.map(secretResource).join(', ') : 'the specific secret ARNs',
          actual: broad.join(', '),
          evidence: { action: 'secretsmanager:GetSecretValue' },
          remedy: {
            text: add ? `Grant the secrets by ARN instead: ${JSON.stringify(add)}.` : 'Grant secretsmanager:GetSecretValue on the specific secret ARNs (`…:secret:<name>-??????`).',
            commands: [applyCommand(p)],
            policy: add ? (p === inlineParsed ? (inlineReplacements.set(st.index, add), inlineDoc()) : correctedDoc(p, add, st.index)) : undefined,
          },
        });
      }
    }
  }
  finishInlineDocs();
  return { findings, unreadable };
}

/** Whether a Resource pattern for GetSecretValue reaches further than one secret (`name-??????` does not). */
export function isBroadSecretResource(resource: string): boolean {
  if (!hasWildcard(resource)) return false;
  const m = /^arn:[^:]+:secretsmanager:([^:]*):([^:]*):secret:(.*)$/.exec(resource);
  if (!m) return true; // `*`, `arn:aws:secretsmanager:*` and the like
  const [, region, account, name] = m;
  if (hasWildcard(region) || hasWildcard(account)) return true;
  return hasWildcard(name.replace(/-\?{6}$/, ''));
}

// ---------------------------------------------------------------- KMS

export interface KmsDecryptVerdict {
  allowed: boolean;
  /** The key policy names the role (or everyone, conditioned) for kms:Decrypt. */
  keyPolicyGrants: boolean;
  /** The key policy delegates to IAM: it allows the account root kms:Decrypt (the default key policy). */
  delegatesToIam: boolean;
  identityGrants: boolean;
  explicitDeny: boolean;
  /** What is missing when denied: the key policy's grant, the identity policy's grant (delegated), or nothing. */
  missing?: 'key-policy' | 'identity-policy';
  code?: 'PERMISSION_KMS_DECRYPT_MISSING' | 'PERMISSION_EXPLICIT_DENY';
  explains: string[];
  remedy?: { text: string; policy?: unknown };
}

/**
 * Can the role decrypt with this key (as Secrets Manager does on its behalf)? The key policy must allow, directly or
 * by delegating to IAM through the account-root statement, in which case an identity policy must allow too.
 * Secrets engineer's secrets.read calls this with the key policy it reads (kms:GetKeyPolicy).
 */
export function analyzeKmsDecrypt(keyPolicy: unknown, identityPolicies: unknown[], roleArn: string, keyArn: string, options: { region?: string; secretArn?: string; roleId?: string } = {}): KmsDecryptVerdict {
  const explains: string[] = [];
  const account = accountOfArn(roleArn) ?? '';
  const region = options.region ?? keyArn.split(':')[3];
  const context: Record<string, string | string[]> = {
    'aws:PrincipalArn': roleArn,
    'aws:PrincipalAccount': account,
    'kms:CallerAccount': account,
    'kms:ViaService': `secretsmanager.${region}.amazonaws.com`,
    'aws:CalledVia': 'secretsmanager.amazonaws.com',
  };
  if (options.secretArn) context['kms:EncryptionContext:SecretARN'] = options.secretArn;
  const request: AuthRequest = {
    principal: { kind: 'aws', arn: `arn:${partitionOfArn(roleArn)}:sts::${account}:assumed-role/${roleNameOfArn(roleArn)}/gateway`, roleArn, accountId: account, uniqueId: options.roleId },
    action: 'kms:Decrypt',
    resource: keyArn,
    context,
    unknownKeys: ['aws:principaltag/', 'aws:resourcetag/', 'kms:encryptioncontext:', 'kms:encryptioncontextkeys', 'aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:principalorgid', 'kms:grantoperations', 'kms:requestalias', 'kms:resourcealiases'],
  };
  const parsedKey = parsePolicy(keyPolicy).policy;
  const identity = identityPolicies.map((d) => parsePolicy(d).policy).filter((p): p is Policy => !!p);
  const keyDecision = parsedKey ? evaluatePolicy(parsedKey, request, { resourcePolicy: true }) : undefined;
  const identityRequest = { ...request, principal: undefined };
  const identityDecision = evaluatePolicies(identity, identityRequest);
  const explicitDeny = keyDecision?.decision === 'ExplicitDeny' || identityDecision.decision === 'ExplicitDeny';
  const keyAllows = keyDecision?.allows ?? [];
  const keyPolicyGrants = keyAllows.some((r) => r.principalVia?.scope !== 'account');
  const delegatesToIam = keyAllows.some((r) => r.principalVia?.scope === 'account');
  const identityGrants = identityDecision.decision === 'Allow';
  if (!parsedKey) explains.push('the key policy could not be read');
  if (keyPolicyGrants) explains.push(`the key policy grants ${roleArn} kms:Decrypt`);
  if (delegatesToIam) explains.push('the key policy delegates to IAM through the account root');
  explains.push(identityGrants ? 'an identity policy grants kms:Decrypt on the key' : 'no identity policy grants kms:Decrypt on the key');
  const allowed = !explicitDeny && (keyPolicyGrants || (delegatesToIam && identityGrants));
  let missing: KmsDecryptVerdict['missing'];
  let remedy: KmsDecryptVerdict['remedy'];
  if (!allowed && !explicitDeny) {
    if (delegatesToIam) {
      missing = 'identity-policy';
      remedy = { text: `The key policy delegates to IAM: grant kms:Decrypt on ${keyArn} in the role's permission policy.`, policy: kmsDecryptStatement([keyArn], region) };
    } else {
      missing = 'key-policy';
      remedy = {
        text: `The key policy of ${keyArn} neither names ${roleArn} nor delegates to IAM: add this statement to the key policy (aws kms put-key-policy --key-id ${keyArn} --policy-name default --policy file://key-policy.json).`,
        policy: { Sid: 'AllowGatewayDecrypt', Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } } },
      };
    }
  }
  return {
    allowed,
    keyPolicyGrants,
    delegatesToIam,
    identityGrants,
    explicitDeny,
    missing,
    code: explicitDeny ? 'PERMISSION_EXPLICIT_DENY' : allowed ? undefined : 'PERMISSION_KMS_DECRYPT_MISSING',
    explains,
    remedy,
  };
}
