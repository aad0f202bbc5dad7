// Reads the gateway role's documents through IAM for policy.trust and policy.permissions (shared per run, so
// the two probes send each read once): GetRole (the trust policy comes URL-encoded), the inline policies
// (ListRolePolicies/GetRolePolicy), the attached managed policies at their default version (ListAttachedRolePolicies/
// GetPolicy/GetPolicyVersion) and the permissions boundary. Each part keeps its own error, so a denied list does
// not hide what could be read.
import type { Config, ProbeContext } from '../../types.ts';
import { roleNameOfArn } from '../../analyze/iam.ts';
import type { PolicyContract } from '../../analyze/policy-types.ts';
import type { NamedPolicy } from '../../analyze/permissions.ts';

export interface RoleDocuments {
  roleName: string;
  role?: { trustPolicy: string; roleId?: string; boundaryArn?: string };
  roleError?: unknown;
  inline?: NamedPolicy[];
  inlineError?: { error: unknown; permission: string };
  attached?: NamedPolicy[];
  attachedError?: { error: unknown; permission: string };
  boundary?: NamedPolicy;
  boundaryError?: { error: unknown; permission: string };
}

const cache = new WeakMap<Config, Promise<RoleDocuments>>();

/** The role's documents, read once per run (keyed by the run's config object). */
export function readRoleDocuments(ctx: ProbeContext): Promise<RoleDocuments> {
  let p = cache.get(ctx.config);
  if (!p) {
    p = fetchRoleDocuments(ctx);
    cache.set(ctx.config, p);
  }
  return p;
}

/** Decodes a document as IAM returns it (URL-encoded JSON text). */
export function decodeDocument(text: string | undefined): string {
  if (!text) return '';
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return trimmed;
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return trimmed;
  }
}

async function managedDocument(ctx: ProbeContext, arn: string): Promise<{ name: string; document: string }> {
  const { Policy } = await ctx.aws.call('iam', 'GetPolicy', { PolicyArn: arn });
  const version = await ctx.aws.call('iam', 'GetPolicyVersion', { PolicyArn: arn, VersionId: Policy?.DefaultVersionId });
  return { name: Policy?.PolicyName ?? arn.split('/').pop()!, document: decodeDocument(version.PolicyVersion?.Document) };
}

async function fetchRoleDocuments(ctx: ProbeContext): Promise<RoleDocuments> {
  const roleName = roleNameOfArn(ctx.config.roleArn);
  const docs: RoleDocuments = { roleName };
  try {
    const { Role } = await ctx.aws.call('iam', 'GetRole', { RoleName: roleName });
    docs.role = { trustPolicy: decodeDocument(Role?.AssumeRolePolicyDocument), roleId: Role?.RoleId, boundaryArn: Role?.PermissionsBoundary?.PermissionsBoundaryArn };
  } catch (err) {
    docs.roleError = err;
  }
  try {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await ctx.aws.call('iam', 'ListRolePolicies', { RoleName: roleName, ...(marker ? { Marker: marker } : {}) });
      names.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    docs.inline = [];
    for (const name of names) {
      try {
        const out = await ctx.aws.call('iam', 'GetRolePolicy', { RoleName: roleName, PolicyName: name });
        docs.inline.push({ kind: 'inline', name, document: decodeDocument(out.PolicyDocument) });
      } catch (error) {
        docs.inlineError = { error, permission: 'iam:GetRolePolicy' };
        docs.inline = undefined;
        break;
      }
    }
  } catch (error) {
    docs.inlineError = { error, permission: 'iam:ListRolePolicies' };
  }
  let step = 'iam:ListAttachedRolePolicies';
  try {
    const arns: { PolicyArn?: string; PolicyName?: string }[] = [];
    let marker: string | undefined;
    do {
      const page = await ctx.aws.call('iam', 'ListAttachedRolePolicies', { RoleName: roleName, ...(marker ? { Marker: marker } : {}) });
      arns.push(...(page.AttachedPolicies ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    step = 'iam:GetPolicy, iam:GetPolicyVersion';
    docs.attached = [];
    for (const a of arns) {
      if (!a.PolicyArn) continue;
      const m = await managedDocument(ctx, a.PolicyArn);
      docs.attached.push({ kind: 'managed', name: a.PolicyName ?? m.name, arn: a.PolicyArn, document: m.document });
    }
  } catch (error) {
    docs.attached = undefined;
    docs.attachedError = { error, permission: step };
  }
  if (docs.role?.boundaryArn) {
    try {
      const m = await managedDocument(ctx, docs.role.boundaryArn);
      docs.boundary = { kind: 'boundary', name: m.name, arn: docs.role.boundaryArn, document: m.document };
    } catch (error) {
      docs.boundaryError = { error, permission: 'iam:GetPolicy, iam:GetPolicyVersion' };
    }
  }
  return docs;
}

/** The contract's values from the config and, in a pod, the pod's own environment. */
export function contractFromConfig(ctx: ProbeContext, roleId?: string): PolicyContract {
  const c = ctx.config;
  return {
    roleArn: c.roleArn,
    platformAccountId: c.platformAccountId,
    organizationId: c.organizationId,
    region: c.region,
    clusterName: c.clusterName,
    namespace: c.namespace ?? ctx.env.POD_NAMESPACE,
    serviceAccount: c.serviceAccount,
    podName: ctx.env.POD_NAME,
    sessionTags: c.sessionTags,
    secrets: c.secrets,
    roleId,
  };
}

/** The offline command that checks the same documents without IAM read access. */
export function lintAlternative(ctx: ProbeContext): string {
  const roleName = roleNameOfArn(ctx.config.roleArn);
  return `aws iam get-account-authorization-details --filter Role > authz.json && gateway-doctor lint authz.json --role-arn ${ctx.config.roleArn} --platform-account-id ${ctx.config.platformAccountId} --organization-id ${ctx.config.organizationId}${ctx.config.namespace ? ` --namespace ${ctx.config.namespace}` : ''}${ctx.config.serviceAccount ? ` --service-account ${ctx.config.serviceAccount}` : ''}   # or: aws iam get-role --role-name ${roleName} > role.json`;
}
