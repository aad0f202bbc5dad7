// Stand-in IAM (query protocol, 2010-05-08): the role reads gateway-doctor's policy probes make, served from the
// world's `iam` section (the shape of `aws iam get-account-authorization-details`). Documents go out URL-encoded,
// as IAM sends them. Every read is decided by the independent evaluator (sc.require) from the caller's policies.
import { AwsFault, type ServiceModule, type StandinContext, type StandinRequest } from '../types.ts';

interface WorldRole {
  RoleName: string;
  Arn: string;
  RoleId?: string;
  Path?: string;
  CreateDate?: string;
  MaxSessionDuration?: number;
  AssumeRolePolicyDocument?: unknown;
  RolePolicyList?: { PolicyName: string; PolicyDocument: unknown }[];
  AttachedManagedPolicies?: { PolicyName: string; PolicyArn: string }[];
  PermissionsBoundary?: { PermissionsBoundaryType?: string; PermissionsBoundaryArn: string };
  Tags?: { Key: string; Value: string }[];
}

interface WorldPolicy {
  PolicyName: string;
  Arn: string;
  PolicyId?: string;
  Path?: string;
  DefaultVersionId?: string;
  AttachmentCount?: number;
  PolicyVersionList?: { VersionId: string; IsDefaultVersion?: boolean; Document: unknown; CreateDate?: string }[];
}

const CREATED = '2025-01-15T10:00:00Z';

/** IAM's encoding of a policy document: JSON text, URL-encoded (RFC 3986). */
export function encodeDocument(doc: unknown): string {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function roles(sc: StandinContext): WorldRole[] {
  return (sc.world.iam?.RoleDetailList ?? []) as WorldRole[];
}

function policies(sc: StandinContext): WorldPolicy[] {
  return (sc.world.iam?.Policies ?? []) as WorldPolicy[];
}

function roleArnFor(sc: StandinContext, roleName: string): string {
  return roles(sc).find((r) => r.RoleName === roleName)?.Arn ?? `arn:aws:iam::${sc.world.account}:role/${roleName}`;
}

function requireParam(req: StandinRequest, name: string): string {
  const v = req.params?.[name];
  if (typeof v !== 'string' || v === '') throw new AwsFault('ValidationError', `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`, 400);
  return v;
}

function findRole(sc: StandinContext, roleName: string): WorldRole {
  const role = roles(sc).find((r) => r.RoleName === roleName);
  if (!role) throw new AwsFault('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
  return role;
}

function findPolicy(sc: StandinContext, arn: string): WorldPolicy {
  const policy = policies(sc).find((p) => p.Arn === arn);
  if (!policy) throw new AwsFault('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
  return policy;
}

function roleOut(role: WorldRole) {
  return {
    Path: role.Path ?? '/',
    RoleName: role.RoleName,
    RoleId: role.RoleId ?? 'AROASTANDINROLE00001',
    Arn: role.Arn,
    CreateDate: role.CreateDate ?? CREATED,
    AssumeRolePolicyDocument: encodeDocument(role.AssumeRolePolicyDocument ?? { Version: '2012-10-17', Statement: [] }),
    MaxSessionDuration: role.MaxSessionDuration ?? 3600,
    ...(role.PermissionsBoundary ? { PermissionsBoundary: { PermissionsBoundaryType: role.PermissionsBoundary.PermissionsBoundaryType ?? 'Policy', PermissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn } } : {}),
    ...(role.Tags?.length ? { Tags: role.Tags } : {}),
  };
}

function defaultVersion(policy: WorldPolicy) {
  const versions = policy.PolicyVersionList ?? [];
  return versions.find((v) => v.VersionId === policy.DefaultVersionId) ?? versions.find((v) => v.IsDefaultVersion) ?? versions[0];
}

export default {
  signingName: 'iam',
  protocol: 'query',
  globalHosts: ['iam.amazonaws.com'],
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  operations: {
    async GetRole(req, sc) {
      const roleName = requireParam(req, 'RoleName');
      await sc.require({ caller: req.caller, action: 'iam:GetRole', resource: roleArnFor(sc, roleName) });
      return { Role: roleOut(findRole(sc, roleName)) };
    },
    async ListRolePolicies(req, sc) {
      const roleName = requireParam(req, 'RoleName');
      await sc.require({ caller: req.caller, action: 'iam:ListRolePolicies', resource: roleArnFor(sc, roleName) });
      const role = findRole(sc, roleName);
      return { PolicyNames: (role.RolePolicyList ?? []).map((p) => p.PolicyName), IsTruncated: false };
    },
    async GetRolePolicy(req, sc) {
      const roleName = requireParam(req, 'RoleName');
      const policyName = requireParam(req, 'PolicyName');
      await sc.require({ caller: req.caller, action: 'iam:GetRolePolicy', resource: roleArnFor(sc, roleName) });
      const role = findRole(sc, roleName);
      const policy = (role.RolePolicyList ?? []).find((p) => p.PolicyName === policyName);
      if (!policy) throw new AwsFault('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
      return { RoleName: roleName, PolicyName: policyName, PolicyDocument: encodeDocument(policy.PolicyDocument) };
    },
    async ListAttachedRolePolicies(req, sc) {
      const roleName = requireParam(req, 'RoleName');
      await sc.require({ caller: req.caller, action: 'iam:ListAttachedRolePolicies', resource: roleArnFor(sc, roleName) });
      const role = findRole(sc, roleName);
      return { AttachedPolicies: (role.AttachedManagedPolicies ?? []).map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.PolicyArn })), IsTruncated: false };
    },
    async GetPolicy(req, sc) {
      const arn = requireParam(req, 'PolicyArn');
      await sc.require({ caller: req.caller, action: 'iam:GetPolicy', resource: arn });
      const policy = findPolicy(sc, arn);
      return {
        Policy: {
          PolicyName: policy.PolicyName,
          PolicyId: policy.PolicyId ?? 'ANPASTANDINPOLICY001',
          Arn: policy.Arn,
          Path: policy.Path ?? '/',
          DefaultVersionId: defaultVersion(policy)?.VersionId ?? 'v1',
          AttachmentCount: policy.AttachmentCount ?? 1,
          PermissionsBoundaryUsageCount: 0,
          IsAttachable: true,
          CreateDate: CREATED,
          UpdateDate: CREATED,
        },
      };
    },
    async GetPolicyVersion(req, sc) {
      const arn = requireParam(req, 'PolicyArn');
      const versionId = requireParam(req, 'VersionId');
      await sc.require({ caller: req.caller, action: 'iam:GetPolicyVersion', resource: arn });
      const policy = findPolicy(sc, arn);
      const version = (policy.PolicyVersionList ?? []).find((v) => v.VersionId === versionId);
      if (!version) throw new AwsFault('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`, 404);
      return { PolicyVersion: { Document: encodeDocument(version.Document), VersionId: version.VersionId, IsDefaultVersion: version.VersionId === defaultVersion(policy)?.VersionId, CreateDate: version.CreateDate ?? CREATED } };
    },
    async GetAccountAuthorizationDetails(req, sc) {
      await sc.require({ caller: req.caller, action: 'iam:GetAccountAuthorizationDetails', resource: '*' });
      return {
        RoleDetailList: roles(sc).map((r) => ({
          ...roleOut(r),
          RolePolicyList: (r.RolePolicyList ?? []).map((p) => ({ PolicyName: p.PolicyName, PolicyDocument: encodeDocument(p.PolicyDocument) })),
          AttachedManagedPolicies: r.AttachedManagedPolicies ?? [],
          InstanceProfileList: [],
        })),
        Policies: policies(sc).map((p) => ({
          PolicyName: p.PolicyName,
          PolicyId: p.PolicyId ?? 'ANPASTANDINPOLICY001',
          Arn: p.Arn,
          Path: p.Path ?? '/',
          DefaultVersionId: defaultVersion(p)?.VersionId ?? 'v1',
          AttachmentCount: p.AttachmentCount ?? 1,
          IsAttachable: true,
          PolicyVersionList: (p.PolicyVersionList ?? []).map((v) => ({ VersionId: v.VersionId, IsDefaultVersion: v.VersionId === defaultVersion(p)?.VersionId, Document: encodeDocument(v.Document), CreateDate: v.CreateDate ?? CREATED })),
        })),
        UserDetailList: [],
        GroupDetailList: [],
        IsTruncated: false,
      };
    },
  },
} satisfies ServiceModule;
