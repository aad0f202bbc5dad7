// The vocabulary the trust and permission analyzers share with the live probes and `lint`: the contract's values
// (what the gateway's setup must satisfy), where a finding is, and the finding itself.
import type { Evidence, Finding, Remedy } from '../types.ts';

/** The values the three-statement contract (DESIGN.md) and the permission checks are computed from. */
export interface PolicyContract {
  roleArn: string;
  platformAccountId: string;
  organizationId: string;
  region?: string;
  clusterName?: string;
  /** Defaults to `arn:aws:eks:<region>:<role account>:cluster/<clusterName>`. */
  clusterArn?: string;
  namespace?: string;
  serviceAccount?: string;
  podName?: string;
  podUid?: string;
  /** The tags the gateway adds on its own re-assume (config.sessionTags). */
  sessionTags?: Record<string, string>;
  secrets?: string[];
  /** Tags of each configured secret (DescribeSecret), where read: the aws:ResourceTag/* values of its GetSecretValue. */
  secretTags?: Record<string, Record<string, string>>;
  /** The role's unique id (AROA…), when known. */
  roleId?: string;
}

export type PolicyKind = 'trust' | 'inline' | 'managed' | 'boundary' | 'scp' | 'key';

export interface PolicyLocation {
  kind: PolicyKind;
  /** The policy's name (inline, managed, boundary) or a label. */
  policyName?: string;
  policyArn?: string;
  /** JSON pointer into the policy document. */
  pointer: string;
  statementIndex?: number;
  sid?: string;
}

export interface PolicyFinding {
  code: string;
  status: 'fail' | 'warn';
  summary: string;
  /** For per-secret findings: the secret ARN as configured. */
  subject?: string;
  location?: PolicyLocation;
  key?: string;
  expected?: string;
  actual?: string;
  evidence: Evidence;
  remedy?: Remedy;
}

/** A probe Finding from an analyzer finding: location, key, expected and actual become evidence. */
export function toFinding(f: PolicyFinding): Finding {
  const evidence: Evidence = { ...f.evidence };
  if (f.location) {
    evidence.policyKind = f.location.kind;
    if (f.location.policyName) evidence.policyName = f.location.policyName;
    if (f.location.policyArn) evidence.policyArn = f.location.policyArn;
    evidence.pointer = f.location.pointer;
    if (f.location.statementIndex !== undefined) evidence.statementIndex = f.location.statementIndex;
    if (f.location.sid !== undefined) evidence.sid = f.location.sid;
  }
  if (f.key !== undefined) evidence.key = f.key;
  if (f.expected !== undefined) evidence.expected = f.expected;
  if (f.actual !== undefined) evidence.actual = f.actual;
  const finding: Finding = { code: f.code, status: f.status, summary: f.summary, evidence };
  if (f.subject) finding.subject = f.subject;
  if (f.remedy) finding.remedy = f.remedy;
  return finding;
}

/** `statement 2 (Sid "SelfAssume")` — how summaries name a statement. */
export function describeStatement(index: number | undefined, sid: string | undefined): string {
  if (index === undefined) return 'the document';
  return `statement ${index}${sid ? ` (Sid "${sid}")` : ''}`;
}
