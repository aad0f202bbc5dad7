// The trust policy against the three-statement contract (DESIGN.md): Pod Identity, platform, self.
// Each check simulates the request AWS would see (EKS Auth's AssumeRole for the pod, the gateway's chained
// self-assume with its transitive session tags, the platform's AssumeRole with its ExternalId) with our own
// evaluator, then names the statement, key, expected and actual value, and builds the corrected document.
// Sources: https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html,
// https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html,
// https://aws.amazon.com/blogs/security/announcing-an-update-to-iam-role-trust-policy-behavior/
import {
  accountOfArn,
  evaluatePolicy,
  evaluateStatement,
  hasWildcard,
  isAccountPrincipal,
  isUniqueId,
  parsePolicy,
  partitionOfArn,
  pointerSegment,
  roleNameOfArn,
  statementPointer,
  type AuthRequest,
  type Explain,
  type Policy,
  type RequestPrincipal,
  type Statement,
  type StatementResult,
} from './iam.ts';
import { describeStatement, type PolicyContract, type PolicyFinding, type PolicyLocation } from './policy-types.ts';
import {
  platformStatement,
  podIdentityStatement,
  POD_IDENTITY_SERVICE,
  selfStatement,
  type PolicyDocumentJson,
} from '../templates/policies.ts';

/**
 * How the trust policy admits the gateway's own session: `direct` — by the role's ARN (no identity grant needed, the
 * boundary still applies); `wildcard` — by `"*"`, which names every principal and so the session itself (neither an
 * identity grant nor the boundary is needed, as a grant naming the session does); `account-root` — only through the
 * account (the identity policy decides); `none`.
 */
export type SelfAdmission = 'direct' | 'wildcard' | 'account-root' | 'none';

function admissionOf(allows: StatementResult[]): SelfAdmission {
  if (allows.length === 0) return 'none';
  // "*" names the session itself: the strongest admission (neither identity grant nor boundary needed).
  if (allows.some((r) => r.principalVia?.scope === 'any')) return 'wildcard';
  if (allows.some((r) => r.principalVia?.scope === 'specific')) return 'direct';
  return 'account-root';
}

export interface TrustAnalysis {
  findings: PolicyFinding[];
  /** How the self-assume is admitted: by the role's ARN, only through the account root (the identity policy decides), or not. */
  selfAdmission: SelfAdmission;
  selfTagSession: boolean;
  podIdentity: { assumeRole: boolean; tagSession: boolean };
  platformOk: boolean;
  /** The whole corrected trust policy (the contract's three statements plus whatever else was fine). */
  corrected: PolicyDocumentJson;
  /** The trust side's raw verdicts on the three requests (what the differential test compares). */
  verdicts: TrustVerdicts;
}

export interface TrustVerdicts {
  /** The trust policy allows the self-assume (sts:AssumeRole, no ExternalId). */
  selfAssume: boolean;
  /** ... and sts:TagSession with the transitive and configured tags. */
  selfTagSession: boolean;
  /** How sts:TagSession is admitted (by ARN, or only through the account). */
  selfTagAdmission: SelfAdmission;
  /** A platform-account principal with ExternalId = organizationId. */
  platform: boolean;
  podIdentity: boolean;
}

export const POD_IDENTITY_TAG_KEYS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const;

/** The cluster ARN EKS puts in `aws:SourceArn` and the `eks-cluster-arn` tag. */
export function clusterArnOf(contract: PolicyContract): string | undefined {
  if (contract.clusterArn) return contract.clusterArn;
  if (!contract.clusterName || !contract.region) return undefined;
  return `arn:${partitionOfArn(contract.roleArn)}:eks:${contract.region}:${accountOfArn(contract.roleArn)}:cluster/${contract.clusterName}`;
}

/** The six session tags EKS Pod Identity sets (undefined where this run cannot know the value). */
export function podIdentityTags(contract: PolicyContract): Record<string, string | undefined> {
  return {
    'eks-cluster-arn': clusterArnOf(contract),
    'eks-cluster-name': contract.clusterName,
    'kubernetes-namespace': contract.namespace,
    'kubernetes-service-account': contract.serviceAccount,
    'kubernetes-pod-name': contract.podName,
    'kubernetes-pod-uid': contract.podUid,
  };
}

function tagContext(prefix: string, tags: Record<string, string | undefined>, context: Record<string, string | string[]>, unknown: string[]) {
  for (const [k, v] of Object.entries(tags)) {
    if (v === undefined) unknown.push(`${prefix}/${k}`.toLowerCase());
    else context[`${prefix}/${k}`] = v;
  }
}

/** EKS Auth's AssumeRole (or TagSession) on behalf of the pod, as the role's trust policy sees it. */
export function podIdentityRequest(contract: PolicyContract, action: 'sts:AssumeRole' | 'sts:TagSession'): AuthRequest {
  const context: Record<string, string | string[]> = {};
  const unknownKeys: string[] = [];
  const tags = podIdentityTags(contract);
  tagContext('aws:RequestTag', tags, context, unknownKeys);
  context['aws:TagKeys'] = [...POD_IDENTITY_TAG_KEYS];
  context['aws:SourceAccount'] = accountOfArn(contract.roleArn) ?? '';
  const clusterArn = clusterArnOf(contract);
  if (clusterArn) context['aws:SourceArn'] = clusterArn;
  else unknownKeys.push('aws:sourcearn');
  context['aws:PrincipalServiceName'] = POD_IDENTITY_SERVICE;
  context['aws:PrincipalIsAWSService'] = 'true';
  return { principal: { kind: 'service', service: POD_IDENTITY_SERVICE }, action, resource: contract.roleArn, context, unknownKeys };
}

/** The gateway's session: the role's Pod Identity session. */
export function selfPrincipal(contract: PolicyContract): RequestPrincipal {
  const account = accountOfArn(contract.roleArn);
  const session = `eks-${contract.clusterName ?? 'cluster'}-${contract.podName ?? 'pod'}-00000000-0000-0000-0000-000000000000`.slice(0, 64);
  return {
    kind: 'aws',
    arn: `arn:${partitionOfArn(contract.roleArn)}:sts::${account}:assumed-role/${roleNameOfArn(contract.roleArn)}/${session}`,
    roleArn: contract.roleArn,
    accountId: account,
    uniqueId: contract.roleId,
  };
}

/**
 * The chained self-assume: no ExternalId; the Pod Identity tags are transitive, so they ride on the call
 * (`withSessionTags` adds the gateway's configured tags, as identity.tag-session sends them).
 */
export function selfRequest(contract: PolicyContract, action: 'sts:AssumeRole' | 'sts:TagSession', withSessionTags = false): AuthRequest {
  const principal = selfPrincipal(contract);
  const context: Record<string, string | string[]> = {
    'aws:PrincipalArn': contract.roleArn,
    'aws:PrincipalAccount': principal.accountId ?? '',
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `${contract.roleId ?? 'AROAUNKNOWN'}:session`,
    // Present in every signed request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
    // the gateway's session is no service principal, calls STS itself over TLS.
    'aws:PrincipalIsAWSService': 'false',
    'aws:ViaAWSService': 'false',
    'aws:SecureTransport': 'true',
  };
  if (contract.region) context['aws:RequestedRegion'] = contract.region;
  // Not knowable from the documents: taken as met in an Allow, not met in a Deny (never invents a finding).
  const unknownKeys: string[] = ['aws:principalorgid', 'aws:principalorgpaths', 'aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:vpcsourceip', 'aws:currenttime', 'aws:epochtime'];
  const tags: Record<string, string | undefined> = podIdentityTags(contract);
  tagContext('aws:PrincipalTag', tags, context, unknownKeys);
  const requestTags: Record<string, string | undefined> = { ...tags, ...(withSessionTags ? contract.sessionTags ?? {} : {}) };
  tagContext('aws:RequestTag', requestTags, context, unknownKeys);
  context['aws:TagKeys'] = Object.keys(requestTags);
  context['sts:TransitiveTagKeys'] = [...POD_IDENTITY_TAG_KEYS];
  return { principal, action, resource: contract.roleArn, context, unknownKeys };
}

/** A platform-account principal assuming the role, with the given ExternalId (or none). */
export function platformRequest(contract: PolicyContract, externalId: string | undefined, principalArn?: string): AuthRequest {
  const account = contract.platformAccountId;
  const partition = partitionOfArn(contract.roleArn);
  const roleArn = principalArn && !isAccountPrincipal(principalArn) ? principalArn : `arn:${partition}:iam::${account}:role/platform-automation`;
  const principal: RequestPrincipal = { kind: 'aws', arn: roleArn, roleArn, accountId: account };
  // STS is HTTPS only: every AssumeRole arrives with aws:SecureTransport true.
  const context: Record<string, string | string[]> = { 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': account, 'aws:PrincipalType': 'AssumedRole', 'aws:PrincipalIsAWSService': 'false', 'aws:SecureTransport': 'true' };
  if (externalId !== undefined) context['sts:ExternalId'] = externalId;
  // The platform's own tags and organization are not known here.
  return { principal, action: 'sts:AssumeRole', resource: contract.roleArn, context, unknownKeys: ['aws:principaltag/', 'aws:principalorgid', 'aws:principalorgpaths', 'aws:requesttag/', 'aws:tagkeys', 'aws:sourceidentity', 'aws:sourceip'] };
}

// ---------------------------------------------------------------- the corrected document

interface Corrections {
  dropStatements: Set<number>;
  stripFields: Map<number, string[]>;
  removeEntries: Map<number, { kind: 'AWS' | 'Service'; entry: string }[]>;
  add: { pod: boolean; platform: boolean; self: boolean };
}

function newCorrections(): Corrections {
  return { dropStatements: new Set(), stripFields: new Map(), removeEntries: new Map(), add: { pod: false, platform: false, self: false } };
}

function pushMap<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}

function buildCorrected(policy: Policy | undefined, c: Corrections, contract: PolicyContract): PolicyDocumentJson {
  const statements: Record<string, unknown>[] = [];
  if (policy) {
    for (const st of policy.statements) {
      if (c.dropStatements.has(st.index)) continue;
      const copy: Record<string, unknown> = structuredClone(st.raw);
      for (const field of c.stripFields.get(st.index) ?? []) delete copy[field];
      const removals = c.removeEntries.get(st.index) ?? [];
      if (removals.length && copy.Principal && typeof copy.Principal === 'object') {
        const principal = copy.Principal as Record<string, unknown>;
        for (const { kind, entry } of removals) {
          const list = principal[kind];
          if (list === undefined) continue;
          const kept = (Array.isArray(list) ? list : [list]).filter((e) => e !== entry);
          if (kept.length === 0) delete principal[kind];
          else principal[kind] = kept.length === 1 ? kept[0] : kept;
        }
        if (Object.keys(principal).length === 0) continue; // nothing left to admit
      }
      statements.push(copy);
    }
  }
  const partition = partitionOfArn(contract.roleArn);
  const additions: Record<string, unknown>[] = [];
  if (c.add.pod) additions.push(podIdentityStatement());
  if (c.add.platform) additions.push(platformStatement(contract.platformAccountId, contract.organizationId, partition));
  if (c.add.self) additions.push(selfStatement(contract.roleArn));
  const sids = new Set(statements.map((s) => s.Sid).filter((s): s is string => typeof s === 'string'));
  for (const add of additions) {
    let sid = add.Sid as string;
    for (let n = 2; sids.has(sid); n++) sid = `${add.Sid}${n}`;
    sids.add(sid);
    statements.push({ ...add, Sid: sid });
  }
  return { Version: '2012-10-17', Statement: statements };
}

// ---------------------------------------------------------------- the analysis

function location(policy: Policy, st: Statement | undefined, field?: string): PolicyLocation {
  if (!st) return { kind: 'trust', pointer: '/Statement' };
  const pointer = statementPointer(policy, st.index) + (field ? `/${field}` : '');
  return { kind: 'trust', pointer, statementIndex: st.index, sid: st.sid };
}

function conditionPointer(policy: Policy, st: Statement, e: Explain): string {
  return `${statementPointer(policy, st.index)}/Condition/${pointerSegment(e.operator ?? '')}/${pointerSegment(e.key ?? '')}`;
}

function firstApplying(results: StatementResult[]): StatementResult | undefined {
  return results.find((r) => r.applies);
}

/** Analyzes a trust policy (object, JSON text, or URL-encoded JSON as GetRole returns it) against the contract. */
export function analyzeTrust(document: unknown, contract: PolicyContract): TrustAnalysis {
  const findings: PolicyFinding[] = [];
  const corrections = newCorrections();
  const verdicts: TrustVerdicts = { selfAssume: false, selfTagSession: false, selfTagAdmission: 'none', platform: false, podIdentity: false };
  const { policy, issues } = parsePolicy(document);
  const roleName = roleNameOfArn(contract.roleArn);
  const command = `aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json`;
  // Remedies are filled in at the end, once the whole corrected document is known.
  const pending: { finding: PolicyFinding; statements: () => Record<string, unknown>[]; text: string }[] = [];
  const report = (finding: Omit<PolicyFinding, 'evidence'> & { evidence?: PolicyFinding['evidence'] }, text: string, statements: () => Record<string, unknown>[]) => {
    const f: PolicyFinding = { ...finding, evidence: finding.evidence ?? {} };
    findings.push(f);
    pending.push({ finding: f, statements, text });
  };
  const partition = partitionOfArn(contract.roleArn);
  const canonical = {
    pod: () => [podIdentityStatement()],
    platform: () => [platformStatement(contract.platformAccountId, contract.organizationId, partition)],
    self: () => [selfStatement(contract.roleArn)],
  };

  if (!policy) {
    for (const issue of issues) {
      report(
        { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy cannot be read: ${issue.message}`, location: { kind: 'trust', pointer: issue.pointer }, key: 'document', expected: 'a policy document', actual: issue.message },
        'Replace the trust policy with the corrected document.',
        () => [],
      );
    }
    corrections.add = { pod: true, platform: true, self: true };
    return finish();
  }

  // Structure: what IAM rejects or misreads in a trust policy.
  for (const issue of issues) {
    const st = issue.statementIndex !== undefined ? policy.statements.find((s) => s.index === issue.statementIndex) : undefined;
    report(
      { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy's ${describeStatement(issue.statementIndex, issue.sid)} is malformed: ${issue.message}`, location: { kind: 'trust', pointer: issue.pointer, statementIndex: issue.statementIndex, sid: issue.sid }, key: issue.pointer, expected: 'valid IAM policy grammar', actual: issue.message },
      'Fix or remove the malformed element.',
      () => [],
    );
    if (issue.statementIndex !== undefined && !st) corrections.dropStatements.add(issue.statementIndex);
  }
  for (const st of policy.statements) {
    const where = describeStatement(st.index, st.sid);
    if (st.notPrincipal) {
      report(
        { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy's ${where} uses NotPrincipal: IAM does not accept NotPrincipal in a role trust policy, and an Allow with NotPrincipal would admit everyone else`, location: location(policy, st, 'NotPrincipal'), key: 'NotPrincipal', expected: 'Principal', actual: JSON.stringify(st.raw.NotPrincipal) },
        `Remove ${where} and name the principals with Principal.`,
        () => [],
      );
      corrections.dropStatements.add(st.index);
    }
    for (const field of ['Resource', 'NotResource'] as const) {
      if (st.raw[field] === undefined) continue;
      report(
        { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy's ${where} has a ${field} element: a trust policy's resource is the role itself, and IAM rejects the document ("Has prohibited field ${field}")`, location: location(policy, st, field), key: field, expected: `no ${field}`, actual: JSON.stringify(st.raw[field]) },
        `Delete ${field} from ${where}.`,
        () => [],
      );
      pushMap(corrections.stripFields, st.index, field);
    }
    if (!st.principal && !st.notPrincipal) {
      report(
        { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy's ${where} names no Principal`, location: location(policy, st), key: 'Principal', expected: 'a Principal', actual: 'none' },
        `Remove ${where} or give it a Principal.`,
        () => [],
      );
      corrections.dropStatements.add(st.index);
    }
    for (const entry of st.principal?.aws ?? []) {
      if (entry !== '*' && hasWildcard(entry)) {
        report(
          { code: 'TRUST_INVALID', status: 'fail', summary: `The trust policy's ${where} names the principal ${entry} with a wildcard: IAM accepts only "*" alone, never a partial wildcard, in Principal`, location: location(policy, st, 'Principal/AWS'), key: 'Principal.AWS', expected: 'a full ARN, an account id, or "*" with conditions', actual: entry },
          `Name the exact principal in ${where}, or use "*" narrowed by an aws:PrincipalArn ArnLike condition.`,
          () => [],
        );
        pushMap(corrections.removeEntries, st.index, { kind: 'AWS', entry });
      } else if (isUniqueId(entry)) {
        report(
          { code: 'TRUST_PRINCIPAL_UNIQUE_ID', status: 'fail', summary: `The trust policy's ${where} names ${entry}, a bare unique id: IAM shows this once the principal it named was deleted; a principal recreated with the same name has a new id and is not admitted`, location: location(policy, st, 'Principal/AWS'), key: 'Principal.AWS', expected: 'the principal ARN', actual: entry },
          `Replace ${entry} in ${where} with the principal's ARN (update the trust policy after the principal exists).`,
          () => [],
        );
        pushMap(corrections.removeEntries, st.index, { kind: 'AWS', entry });
      }
    }
  }

  // ---- Pod Identity
  const podAssume = evaluatePolicy(policy, podIdentityRequest(contract, 'sts:AssumeRole'), { resourcePolicy: true });
  const podTag = evaluatePolicy(policy, podIdentityRequest(contract, 'sts:TagSession'), { resourcePolicy: true });
  const podStatements = podAssume.results.filter((r) => r.statement.effect === 'Allow' && r.principalMatch && r.statement.principal?.service.length);
  const podIdentity = { assumeRole: podAssume.decision === 'Allow', tagSession: podTag.decision === 'Allow' };
  const removePodEntries = () => {
    for (const r of podStatements) pushMap(corrections.removeEntries, r.statement.index, { kind: 'Service', entry: r.statement.principal!.service.find((s) => s.toLowerCase() === POD_IDENTITY_SERVICE)! });
    corrections.add.pod = true;
  };
  for (const decision of [podAssume, podTag]) {
    for (const deny of decision.denies) {
      if (findings.some((f) => f.code === 'TRUST_EXPLICIT_DENY' && f.location?.statementIndex === deny.statement.index)) continue;
      report(
        { code: 'TRUST_EXPLICIT_DENY', status: 'fail', summary: `The trust policy's ${describeStatement(deny.statement.index, deny.statement.sid)} denies EKS Pod Identity (${POD_IDENTITY_SERVICE}) ${decision === podAssume ? 'sts:AssumeRole' : 'sts:TagSession'}`, location: location(policy, deny.statement), key: 'Effect', expected: 'no Deny matching the request', actual: 'Deny', evidence: { request: 'pod-identity' } },
        'Remove the Deny statement or narrow it so it does not match the Pod Identity request.',
        canonical.pod,
      );
      corrections.dropStatements.add(deny.statement.index);
    }
  }
  if (podAssume.decision !== 'Allow' && podAssume.denies.length === 0) {
    const conditionFailures = podStatements.filter((r) => r.actionMatch && !r.conditionMatch);
    if (conditionFailures.length) {
      for (const r of conditionFailures) {
        for (const e of r.failedConditions) {
          report(
            {
              code: 'TRUST_POD_IDENTITY_CONDITION_MISMATCH',
              status: 'fail',
              summary: `The Pod Identity ${describeStatement(r.statement.index, r.statement.sid)} requires ${e.operator} ${e.key} = ${e.expected?.join(', ')}, but EKS sends ${e.actual?.join(', ') ?? 'no such key'}: EKS Auth's AssumeRole for this pod is refused`,
              location: { ...location(policy, r.statement), pointer: conditionPointer(policy, r.statement, e) },
              key: e.key,
              expected: e.expected?.join(', '),
              actual: e.actual?.join(', ') ?? '(absent)',
            },
            `Make the condition match what EKS sends for this pod (${e.key} = ${e.actual?.join(', ') ?? 'absent'}), or drop it; the corrected document uses the contract's unconditioned Pod Identity statement.`,
            canonical.pod,
          );
        }
      }
    } else {
      const irsa = policy.statements.some((s) => s.principal?.federated.length);
      report(
        {
          code: 'TRUST_POD_IDENTITY_MISSING',
          status: 'fail',
          summary: podStatements.length
            ? `The statement naming ${POD_IDENTITY_SERVICE} does not allow sts:AssumeRole`
            : `No trust statement admits ${POD_IDENTITY_SERVICE}${irsa ? ' (the policy is IRSA-style: a Federated OIDC principal, which Pod Identity does not use)' : ''}: EKS refuses the association ("Trust policy of the role provided is invalid") and the agent cannot get credentials`,
          location: podStatements[0] ? location(policy, podStatements[0].statement, 'Action') : { kind: 'trust', pointer: '/Statement' },
          key: 'Principal.Service',
          expected: POD_IDENTITY_SERVICE,
          actual: podStatements.length ? 'present without sts:AssumeRole' : 'absent',
        },
        'Add the Pod Identity statement.',
        canonical.pod,
      );
    }
    removePodEntries();
  } else if (podAssume.decision === 'Allow' && podTag.decision !== 'Allow' && podTag.denies.length === 0) {
    const tagConditionFailures = podTag.results.filter((r) => r.statement.effect === 'Allow' && r.principalMatch && r.actionMatch && !r.conditionMatch);
    const admitting = firstApplying(podAssume.results)!;
    if (tagConditionFailures.length) {
      for (const r of tagConditionFailures) {
        for (const e of r.failedConditions) {
          report(
            { code: 'TRUST_POD_IDENTITY_CONDITION_MISMATCH', status: 'fail', summary: `The Pod Identity ${describeStatement(r.statement.index, r.statement.sid)} allows sts:TagSession only when ${e.operator} ${e.key} = ${e.expected?.join(', ')}, but EKS sends ${e.actual?.join(', ') ?? 'no such key'}`, location: { ...location(policy, r.statement), pointer: conditionPointer(policy, r.statement, e) }, key: e.key, expected: e.expected?.join(', '), actual: e.actual?.join(', ') ?? '(absent)' },
            'Make the condition match what EKS sends for this pod, or drop it.',
            canonical.pod,
          );
        }
      }
    } else {
      report(
        { code: 'TRUST_POD_IDENTITY_NO_TAG_SESSION', status: 'fail', summary: `The Pod Identity ${describeStatement(admitting.statement.index, admitting.statement.sid)} allows sts:AssumeRole but not sts:TagSession: EKS Pod Identity always tags the session, so the agent answers "EKS does not have permissions to assume the associated role"`, location: location(policy, admitting.statement, 'Action'), key: 'Action', expected: 'sts:AssumeRole, sts:TagSession', actual: (admitting.statement.actions ?? []).join(', ') },
        `Add sts:TagSession to the Action of ${describeStatement(admitting.statement.index, admitting.statement.sid)}.`,
        canonical.pod,
      );
    }
    removePodEntries();
  }

  // ---- self
  const selfAssume = evaluatePolicy(policy, selfRequest(contract, 'sts:AssumeRole'), { resourcePolicy: true });
  const selfTag = evaluatePolicy(policy, selfRequest(contract, 'sts:TagSession', true), { resourcePolicy: true });
  let selfAdmission: SelfAdmission = 'none';
  const directAllow = selfAssume.allows.find((r) => r.principalVia?.scope === 'specific');
  if (selfAssume.decision === 'Allow') selfAdmission = admissionOf(selfAssume.allows);
  const selfTagSession = selfTag.decision === 'Allow';
  verdicts.selfAssume = selfAssume.decision === 'Allow';
  verdicts.selfTagSession = selfTagSession;
  verdicts.selfTagAdmission = selfTagSession ? admissionOf(selfTag.allows) : 'none';
  verdicts.podIdentity = podAssume.decision === 'Allow' && podTag.decision === 'Allow';
  verdicts.platform = evaluatePolicy(policy, platformRequest(contract, contract.organizationId), { resourcePolicy: true }).decision === 'Allow';
  const removeSelfEntries = () => {
    for (const st of policy.statements) {
      if (st.effect !== 'Allow') continue;
      for (const entry of st.principal?.aws ?? []) if (entry === contract.roleArn) pushMap(corrections.removeEntries, st.index, { kind: 'AWS', entry });
    }
    corrections.add.self = true;
  };
  for (const decision of [selfAssume, selfTag]) {
    for (const deny of decision.denies) {
      if (findings.some((f) => f.code === 'TRUST_EXPLICIT_DENY' && f.location?.statementIndex === deny.statement.index)) continue;
      report(
        { code: 'TRUST_EXPLICIT_DENY', status: 'fail', summary: `The trust policy's ${describeStatement(deny.statement.index, deny.statement.sid)} denies the role's own ${decision === selfAssume ? 'sts:AssumeRole' : 'sts:TagSession'} (the gateway's self-assume)`, location: location(policy, deny.statement), key: 'Effect', expected: 'no Deny matching the self-assume', actual: 'Deny', evidence: { request: decision === selfAssume ? 'self-assume' : 'self-tag-session' } },
        'Remove the Deny statement or narrow it so it does not match the role itself.',
        canonical.self,
      );
      corrections.dropStatements.add(deny.statement.index);
      corrections.add.self = true;
    }
  }
  if (selfAssume.decision === 'ImplicitDeny') {
    const candidates = selfAssume.results.filter((r) => r.statement.effect === 'Allow' && r.principalMatch && r.actionMatch && !r.conditionMatch);
    const externalIdFailure = candidates.find((r) => r.failedConditions.some((e) => e.key?.toLowerCase() === 'sts:externalid'));
    if (externalIdFailure) {
      const e = externalIdFailure.failedConditions.find((x) => x.key?.toLowerCase() === 'sts:externalid')!;
      const st = externalIdFailure.statement;
      const merged = (st.principal?.aws ?? []).some((entry) => isAccountPrincipal(entry) === contract.platformAccountId);
      report(
        {
          code: 'TRUST_SELF_HAS_EXTERNAL_ID',
          status: 'fail',
          summary: `The trust policy's ${describeStatement(st.index, st.sid)} admits the role ${contract.roleArn} only with ${e.operator} sts:ExternalId = ${e.expected?.join(', ')}${merged ? ' (the self principal is merged into the platform statement)' : ''}; the gateway's self-assume sends no ExternalId, so STS denies it`,
          location: { ...location(policy, st), pointer: conditionPointer(policy, st, e) },
          key: 'sts:ExternalId',
          expected: 'no ExternalId condition on the self statement',
          actual: `${e.operator} ${e.expected?.join(', ')}`,
        },
        merged ? 'Split the statement: keep the platform account with its ExternalId, and admit the role itself in its own statement without any ExternalId condition.' : 'Remove the ExternalId condition from the self statement.',
        canonical.self,
      );
    } else {
      const conditioned = candidates[0];
      report(
        {
          code: 'TRUST_SELF_MISSING',
          status: 'fail',
          summary: conditioned
            ? `No trust statement lets the role ${contract.roleArn} assume itself: ${describeStatement(conditioned.statement.index, conditioned.statement.sid)} names it but its condition does not hold (${conditioned.failedConditions.map((e) => e.message).join('; ')})`
            : `No trust statement lets the role ${contract.roleArn} assume itself (implicit self-trust ended in 2022: a role must be named in its own trust policy to re-assume)`,
          location: conditioned ? location(policy, conditioned.statement, 'Condition') : { kind: 'trust', pointer: '/Statement' },
          key: 'Principal.AWS',
          expected: contract.roleArn,
          actual: conditioned ? conditioned.failedConditions.map((e) => `${e.operator} ${e.key}`).join(', ') : 'absent',
        },
        'Add the self statement: Principal the role\'s own ARN, sts:AssumeRole and sts:TagSession, no ExternalId.',
        canonical.self,
      );
    }
    removeSelfEntries();
  } else if (selfAssume.decision === 'Allow') {
    const admitting = directAllow ?? selfAssume.allows.find((r) => r.principalVia?.scope === 'any') ?? selfAssume.allows[0];
    if (!selfTagSession && selfTag.denies.length === 0) {
      report(
        {
          code: 'TRUST_SELF_NO_TAG_SESSION',
          status: 'fail',
          summary: `The trust policy's ${describeStatement(admitting.statement.index, admitting.statement.sid)} lets the role assume itself but not sts:TagSession: the Pod Identity session's tags are transitive, so the chained AssumeRole always carries them and STS denies it ("not authorized to perform: sts:TagSession")`,
          location: location(policy, admitting.statement, 'Action'),
          key: 'Action',
          expected: 'sts:AssumeRole, sts:TagSession',
          actual: (admitting.statement.actions ?? []).join(', '),
        },
        `Add sts:TagSession to the Action of ${describeStatement(admitting.statement.index, admitting.statement.sid)}.`,
        canonical.self,
      );
      removeSelfEntries();
    }
    if (selfAdmission === 'account-root' && !findings.some((f) => f.code === 'TRUST_SELF_NO_TAG_SESSION')) {
      const narrowed = admitting.statement.conditions.some((c) => c.key.toLowerCase() === 'aws:principalarn' && c.values.includes(contract.roleArn));
      report(
        {
          code: 'TRUST_SELF_VIA_ACCOUNT_ROOT',
          status: 'warn',
          summary: `Only the account-root ${describeStatement(admitting.statement.index, admitting.statement.sid)} (${admitting.principalVia?.entry}) admits the role: the role's identity policy must then grant sts:AssumeRole and sts:TagSession on itself${narrowed ? '' : ', and any principal of the account with that permission may assume the role (no aws:PrincipalArn condition names it)'}`,
          location: location(policy, admitting.statement, 'Principal'),
          key: 'Principal.AWS',
          expected: contract.roleArn,
          actual: admitting.principalVia?.entry,
          evidence: { narrowedByPrincipalArn: narrowed },
        },
        'Add the self statement naming the role\'s ARN; then AWS needs no identity-policy grant for the self-assume.',
        canonical.self,
      );
      corrections.add.self = true;
    }
  }

  // ---- platform
  let platformOk = true;
  const platformStatements = policy.statements.filter(
    (st) => st.effect === 'Allow' && (st.principal?.any || (st.principal?.aws ?? []).some((e) => e === '*' || isAccountPrincipal(e) === contract.platformAccountId || accountOfArn(e) === contract.platformAccountId)),
  );
  const platformEntry = (st: Statement) => (st.principal?.aws ?? []).find((e) => isAccountPrincipal(e) === contract.platformAccountId || accountOfArn(e) === contract.platformAccountId) ?? '*';
  const evalPlatform = (st: Statement, externalId: string | undefined) => evaluateStatement(st, platformRequest(contract, externalId, platformEntry(st)), { resourcePolicy: true });
  const assuming = platformStatements.filter((st) => evalPlatform(st, contract.organizationId).actionMatch);
  const removePlatform = (st: Statement) => {
    for (const entry of st.principal?.aws ?? []) {
      if (entry === '*' || isAccountPrincipal(entry) === contract.platformAccountId || accountOfArn(entry) === contract.platformAccountId) pushMap(corrections.removeEntries, st.index, { kind: 'AWS', entry });
    }
    corrections.add.platform = true;
  };
  const externalIdClauses = (st: Statement) => st.conditions.filter((c) => c.key.toLowerCase() === 'sts:externalid');
  if (assuming.length === 0) {
    platformOk = false;
    report(
      { code: 'TRUST_PLATFORM_MISSING', status: 'fail', summary: `No trust statement admits the platform account ${contract.platformAccountId} to sts:AssumeRole`, location: { kind: 'trust', pointer: '/Statement' }, key: 'Principal.AWS', expected: `arn:${partition}:iam::${contract.platformAccountId}:root`, actual: 'absent' },
      'Add the platform statement with the ExternalId condition.',
      canonical.platform,
    );
    corrections.add.platform = true;
  } else {
    const withoutId = assuming.filter((st) => evalPlatform(st, undefined).applies);
    const withOther = assuming.filter((st) => evalPlatform(st, `${contract.organizationId}-not-the-organization`).applies || evalPlatform(st, 'o-other').applies);
    const withRight = assuming.filter((st) => evalPlatform(st, contract.organizationId).applies);
    for (const st of withoutId) {
      platformOk = false;
      const clauses = externalIdClauses(st);
      if (clauses.length === 0) {
        report(
          { code: 'TRUST_PLATFORM_NO_EXTERNAL_ID', status: 'fail', summary: `The platform ${describeStatement(st.index, st.sid)} admits ${platformEntry(st)} without an ExternalId condition: any principal of that account with sts:AssumeRole can assume the role (confused deputy)`, location: location(policy, st), key: 'sts:ExternalId', expected: `StringEquals ${contract.organizationId}`, actual: '(no condition)' },
          `Add "Condition": {"StringEquals": {"sts:ExternalId": "${contract.organizationId}"}} to ${describeStatement(st.index, st.sid)}.`,
          canonical.platform,
        );
      } else {
        const c = clauses[0];
        report(
          { code: 'TRUST_PLATFORM_EXTERNAL_ID_WEAK', status: 'fail', summary: `The platform ${describeStatement(st.index, st.sid)} checks the ExternalId with ${c.operator}, which a caller sending no ExternalId passes`, location: { ...location(policy, st), pointer: `${statementPointer(policy, st.index)}/Condition/${pointerSegment(c.operator)}/${pointerSegment(c.key)}` }, key: 'sts:ExternalId', expected: `StringEquals ${contract.organizationId}`, actual: `${c.operator} ${c.values.join(', ')}` },
          'Use StringEquals (no IfExists, no ForAllValues) for sts:ExternalId.',
          canonical.platform,
        );
      }
      removePlatform(st);
    }
    for (const st of withOther) {
      if (withoutId.includes(st)) continue;
      platformOk = false;
      const c = externalIdClauses(st)[0];
      report(
        { code: 'TRUST_PLATFORM_EXTERNAL_ID_WEAK', status: 'fail', summary: `The platform ${describeStatement(st.index, st.sid)} accepts ExternalIds other than ${contract.organizationId}${c ? ` (${c.operator} ${c.values.join(', ')})` : ''}`, location: c ? { ...location(policy, st), pointer: `${statementPointer(policy, st.index)}/Condition/${pointerSegment(c.operator)}/${pointerSegment(c.key)}` } : location(policy, st), key: 'sts:ExternalId', expected: `StringEquals ${contract.organizationId}`, actual: c ? `${c.operator} ${c.values.join(', ')}` : '(no condition)' },
        'Use StringEquals with exactly the organization id.',
        canonical.platform,
      );
      removePlatform(st);
    }
    if (withRight.length === 0 && withoutId.length === 0 && withOther.length === 0) {
      platformOk = false;
      for (const st of assuming) {
        const clauses = externalIdClauses(st);
        const failing = evalPlatform(st, contract.organizationId).failedConditions;
        if (clauses.length) {
          const c = clauses[0];
          report(
            { code: 'TRUST_PLATFORM_EXTERNAL_ID_MISMATCH', status: 'fail', summary: `The platform ${describeStatement(st.index, st.sid)} expects sts:ExternalId ${c.values.join(', ')}, but the platform sends the organization id ${contract.organizationId}`, location: { ...location(policy, st), pointer: `${statementPointer(policy, st.index)}/Condition/${pointerSegment(c.operator)}/${pointerSegment(c.key)}` }, key: 'sts:ExternalId', expected: contract.organizationId, actual: c.values.join(', ') },
            `Set sts:ExternalId to "${contract.organizationId}" in ${describeStatement(st.index, st.sid)}.`,
            canonical.platform,
          );
        } else {
          report(
            { code: 'TRUST_PLATFORM_MISSING', status: 'fail', summary: `The platform ${describeStatement(st.index, st.sid)} never admits the platform account: ${failing.map((e) => e.message).join('; ')}`, location: location(policy, st, 'Condition'), key: failing[0]?.key ?? 'Condition', expected: 'a condition the platform meets', actual: failing.map((e) => `${e.operator} ${e.key}`).join(', ') },
            'Use the contract\'s platform statement.',
            canonical.platform,
          );
        }
        removePlatform(st);
      }
    }
    const platformDeny = evaluatePolicy(policy, platformRequest(contract, contract.organizationId), { resourcePolicy: true }).denies;
    for (const deny of platformDeny) {
      if (findings.some((f) => f.code === 'TRUST_EXPLICIT_DENY' && f.location?.statementIndex === deny.statement.index)) continue;
      platformOk = false;
      report(
        { code: 'TRUST_EXPLICIT_DENY', status: 'fail', summary: `The trust policy's ${describeStatement(deny.statement.index, deny.statement.sid)} denies the platform account's sts:AssumeRole even with the right ExternalId`, location: location(policy, deny.statement), key: 'Effect', expected: 'no Deny matching the platform request', actual: 'Deny' },
        'Remove the Deny statement or narrow it.',
        canonical.platform,
      );
      corrections.dropStatements.add(deny.statement.index);
    }
  }

  return finish();

  function finish(): TrustAnalysis {
    const corrected = buildCorrected(policy, corrections, contract);
    for (const { finding, statements, text } of pending) {
      const stmts = statements();
      const stmtText = stmts.length ? ` Statement to use: ${JSON.stringify(stmts.length === 1 ? stmts[0] : stmts)}.` : '';
      finding.remedy = {
        text: `${text}${stmtText} The whole corrected trust policy is below; write it to trust.json and apply it.`,
        commands: [command],
        policy: corrected,
      };
      if (stmts.length) finding.evidence.correctedStatement = JSON.stringify(stmts.length === 1 ? stmts[0] : stmts);
    }
    return {
      findings,
      selfAdmission: policy ? (findings.some((f) => f.code === 'TRUST_SELF_MISSING' || f.code === 'TRUST_SELF_HAS_EXTERNAL_ID') ? 'none' : selfAdmissionOf()) : 'none',
      selfTagSession: policy ? selfTagSessionOf() : false,
      podIdentity: policy ? podIdentityOf() : { assumeRole: false, tagSession: false },
      platformOk: policy ? platformOkOf() : false,
      corrected,
      verdicts,
    };
  }
  function selfAdmissionOf(): SelfAdmission {
    return selfAdmission;
  }
  function selfTagSessionOf(): boolean {
    return selfTagSession;
  }
  function podIdentityOf() {
    return podIdentity;
  }
  function platformOkOf() {
    return platformOk;
  }
}

/** Whether the trust policy lets a platform-account principal assume the role with this ExternalId (or none). */
export function platformAllowed(document: unknown, contract: PolicyContract, externalId: string | undefined): boolean {
  const { policy } = parsePolicy(document);
  return !!policy && evaluatePolicy(policy, platformRequest(contract, externalId), { resourcePolicy: true }).decision === 'Allow';
}
