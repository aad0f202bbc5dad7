// Reading the world's IAM: roles (RoleDetailList), managed policies (Policies, default version), documents.
// `aws iam get-account-authorization-details` prints documents as JSON objects; the API returns them
// URL-encoded, so both forms are accepted.
import type { WorldView } from './types.ts';

export interface RoleDetail {
  RoleName: string;
  Arn: string;
  RoleId?: string;
  Path?: string;
  MaxSessionDuration?: number;
  AssumeRolePolicyDocument?: unknown;
  RolePolicyList?: Array<{ PolicyName: string; PolicyDocument: unknown }>;
  AttachedManagedPolicies?: Array<{ PolicyName?: string; PolicyArn: string }>;
  PermissionsBoundary?: { PermissionsBoundaryType?: string; PermissionsBoundaryArn: string };
  Tags?: Array<{ Key: string; Value: string }>;
  [k: string]: unknown;
}

export function policyDocument(doc: unknown): any {
  if (typeof doc === 'string') {
    const text = doc.trim().startsWith('%') || doc.includes('%22') ? decodeURIComponent(doc) : doc;
    return JSON.parse(text);
  }
  return doc;
}

/** role/ARN parts: arn:aws:iam::ACCT:role/path/NAME -> { account, name } */
export function parseRoleArn(arn: string): { account: string; name: string } | undefined {
  const m = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  return m ? { account: m[1], name: m[2] } : undefined;
}

export function findRole(world: WorldView, arnOrName: string): RoleDetail | undefined {
  const roles = (world.iam?.RoleDetailList ?? []) as RoleDetail[];
  return roles.find((r) => r.Arn === arnOrName) ?? roles.find((r) => r.RoleName === arnOrName && !arnOrName.startsWith('arn:'));
}

export function managedPolicyDocument(world: WorldView, policyArn: string): any | undefined {
  const p = (world.iam?.Policies ?? []).find((x: any) => x.Arn === policyArn);
  if (!p) return undefined;
  const versions: any[] = p.PolicyVersionList ?? [];
  const v = versions.find((x) => x.VersionId === p.DefaultVersionId) ?? versions.find((x) => x.IsDefaultVersion) ?? versions[0];
  return v ? policyDocument(v.Document) : undefined;
}

export interface RolePolicies {
  identity: Array<{ name: string; policy: any }>;
  boundary?: { name: string; policy: any };
  /** notes for the log: managed policies the world does not define */
  missing: string[];
}

export function rolePolicies(world: WorldView, role: RoleDetail): RolePolicies {
  const identity: RolePolicies['identity'] = [];
  const missing: string[] = [];
  for (const p of role.RolePolicyList ?? []) identity.push({ name: `inline:${p.PolicyName}`, policy: policyDocument(p.PolicyDocument) });
  for (const a of role.AttachedManagedPolicies ?? []) {
    const doc = managedPolicyDocument(world, a.PolicyArn);
    if (doc) identity.push({ name: a.PolicyArn, policy: doc });
    else missing.push(a.PolicyArn);
  }
  let boundary: RolePolicies['boundary'];
  if (role.PermissionsBoundary?.PermissionsBoundaryArn) {
    const arn = role.PermissionsBoundary.PermissionsBoundaryArn;
    const doc = managedPolicyDocument(world, arn);
    // A boundary the world does not define allows nothing (an empty policy document).
    boundary = { name: arn, policy: doc ?? { Version: '2012-10-17', Statement: [] } };
    if (!doc) missing.push(arn);
  }
  return { identity, boundary, missing };
}

export function roleTags(role: RoleDetail | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of role?.Tags ?? []) out[t.Key] = t.Value;
  return out;
}

/** The account of an ARN (field 5), or undefined for '*' and service names. */
export function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}
