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
  // The three reads are independent: run them together (each keeps its own error).
  await Promise.all([readRole(ctx, docs), readInline(ctx, docs), readAttached(ctx, docs)]);
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

async function readRole(ctx: ProbeContext, docs: RoleDocuments): Promise<void> {
  const roleName = docs.roleName;
  try {
    const { Role } = await ctx.aws.call('iam', 'GetRole', { RoleName: roleName });
    docs.role = { trustPolicy: decodeDocument(Role?.AssumeRolePolicyDocument), roleId: Role?.RoleId, boundaryArn: Role?.PermissionsBoundary?.PermissionsBoundaryArn };
  } catch (err) {
    docs.roleError = err;
  }
}

async function readInline(ctx: ProbeContext, docs: RoleDocuments): Promise<void> {
  const roleName = docs.roleName;
  try {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await ctx.aws.call('iam', 'ListRolePolicies', { RoleName: roleName, ...(marker ? { Marker: marker } : {}) });
      names.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    try {
      docs.inline = await Promise.all(
        names.map(async (name): Promise<NamedPolicy> => {
          const out = await ctx.aws.call('iam', 'GetRolePolicy', { RoleName: roleName, PolicyName: name });
          return { kind: 'inline', name, document: decodeDocument(out.PolicyDocument) };
        }),
      );
    } catch (error) {
      docs.inlineError = { error, permission: 'iam:GetRolePolicy' };
    }
  } catch (error) {
    docs.inlineError = { error, permission: 'iam:ListRolePolicies' };
  }
}

async function readAttached(ctx: ProbeContext, docs: RoleDocuments): Promise<void> {
  const roleName = docs.roleName;
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
    docs.attached = await Promise.all(
      arns
        .filter((a) => a.PolicyArn)
        .map(async (a): Promise<NamedPolicy> => {
          const m = await managedDocument(ctx, a.PolicyArn!);
          return { kind: 'managed', name: a.PolicyName ?? m.name, arn: a.PolicyArn, document: m.document };
        }),
    );
  } catch (error) {
    docs.attached = undefined;
    docs.attachedError = { error, permission: step };
  }
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
