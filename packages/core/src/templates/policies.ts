// The correct documents for the gateway's role (DESIGN.md "The setup it checks"), the diagnostic's own
// least-privilege read policy, and their Terraform form. Analyzer remedies, `gateway-doctor policy`, the
// manifests' docs and the test worlds all take their documents from here, so there is one truth.
import { accountOfArn, partitionOfArn, roleNameOfArn } from '../analyze/iam.ts';

export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';

export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: Record<string, unknown>[];
}

export interface TrustInputs {
  roleArn: string;
  platformAccountId: string;
  organizationId: string;
}

export function podIdentityStatement(): Record<string, unknown> {
  return {
    Sid: 'PodIdentity',
    Effect: 'Allow',
    Principal: { Service: POD_IDENTITY_SERVICE },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
  };
}

export function platformStatement(platformAccountId: string, organizationId: string, partition = 'aws'): Record<string, unknown> {
  return {
    Sid: 'PlatformAccess',
    Effect: 'Allow',
    Principal: { AWS: `arn:${partition}:iam::${platformAccountId}:root` },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': organizationId } },
  };
}

export function selfStatement(roleArn: string): Record<string, unknown> {
  return {
    Sid: 'SelfAssume',
    Effect: 'Allow',
    Principal: { AWS: roleArn },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
  };
}

/**
 * The self statement for a role that does not exist yet: IAM rejects a trust policy naming a role ARN that does
 * not exist (`MalformedPolicyDocument: Invalid principal in policy`), but accepts the account root narrowed by
 * `aws:PrincipalArn`. Cost: the identity policy must then grant sts:AssumeRole/sts:TagSession on the role.
 */
export function selfStatementViaAccountRoot(roleArn: string): Record<string, unknown> {
  const account = accountOfArn(roleArn);
  return {
    Sid: 'SelfAssumeViaAccount',
    Effect: 'Allow',
    Principal: { AWS: `arn:${partitionOfArn(roleArn)}:iam::${account}:root` },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: { ArnEquals: { 'aws:PrincipalArn': roleArn } },
  };
}

/** The contract's trust policy: Pod Identity, platform (with ExternalId), self (no ExternalId). */
export function trustPolicy(inputs: TrustInputs): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      podIdentityStatement(),
      platformStatement(inputs.platformAccountId, inputs.organizationId, partitionOfArn(inputs.roleArn)),
      selfStatement(inputs.roleArn),
    ],
  };
}

/** Step one on a fresh account: everything but the self statement (added once the role exists). */
export function bootstrapTrustPolicy(inputs: TrustInputs): PolicyDocumentJson {
  return { Version: '2012-10-17', Statement: trustPolicy(inputs).Statement.slice(0, 2) };
}

/** A secret ARN as an IAM Resource: with its 6-character suffix replaced by `-??????` (stable across recreation). */
export function secretResource(secretArn: string): string {
  const m = /^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+?)(-[A-Za-z0-9]{6})?$/.exec(secretArn);
  if (!m) return secretArn;
  return `${m[1]}-??????`;
}

export function selfPermissionStatement(roleArn: string): Record<string, unknown> {
  return { Sid: 'SelfAssume', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: roleArn };
}

export function secretsPermissionStatement(secrets: string[]): Record<string, unknown> {
  const resources = [...new Set(secrets.map(secretResource))];
  return { Sid: 'ReadConnectorSecrets', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resources.length === 1 ? resources[0] : resources };
}

export function kmsDecryptStatement(keyArns: string[], region?: string): Record<string, unknown> {
  const statement: Record<string, unknown> = { Sid: 'DecryptConnectorSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArns.length === 1 ? keyArns[0] : keyArns };
  if (region) statement.Condition = { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } };
  return statement;
}

export interface PermissionInputs {
  roleArn: string;
  secrets: string[];
  kmsKeyArns?: string[];
  region?: string;
}

/** The gateway's permission policy: self-assume with tags on its own ARN, the configured secrets, their CMKs. */
export function permissionPolicy(inputs: PermissionInputs): PolicyDocumentJson {
  const statements = [selfPermissionStatement(inputs.roleArn)];
  if (inputs.secrets.length) statements.push(secretsPermissionStatement(inputs.secrets));
  if (inputs.kmsKeyArns?.length) statements.push(kmsDecryptStatement(inputs.kmsKeyArns, inputs.region));
  return { Version: '2012-10-17', Statement: statements };
}

/** Every read the diagnostic's probes make (the read-only guard's allowlist is a superset of the sent calls). */
export const DIAGNOSTIC_READ_ACTIONS = {
  iam: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:GetPolicy', 'iam:GetPolicyVersion'],
  ec2: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeRouteTables', 'ec2:DescribeNetworkAcls', 'ec2:DescribeVpcPeeringConnections', 'ec2:DescribeTransitGatewayAttachments', 'ec2:DescribeTransitGateways', 'ec2:DescribeVpcEndpoints', 'ec2:DescribeNatGateways', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries'],
  eks: ['eks:DescribeCluster', 'eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation', 'eks:DescribeAddon'],
  services: ['redshift:DescribeClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'athena:GetWorkGroup'],
  secrets: ['secretsmanager:DescribeSecret', 'kms:GetKeyPolicy', 'kms:DescribeKey'],
  audit: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors'],
} as const;

export interface ReadPolicyInputs {
  /** Narrow the IAM reads to this role and the account's policies. */
  roleArn?: string;
  /** Narrow DescribeSecret to these secrets. */
  secrets?: string[];
}

/**
 * The least-privilege read policy the diagnostic needs (attach it to the role the diagnostic runs as). EC2, EKS
 * list, Redshift, RDS and CloudTrail describe calls support no resource-level permissions, so they take `*`.
 */
export function readPolicy(inputs: ReadPolicyInputs = {}): PolicyDocumentJson {
  const roleArn = inputs.roleArn;
  const account = roleArn ? accountOfArn(roleArn) : undefined;
  const partition = roleArn ? partitionOfArn(roleArn) : 'aws';
  const iamRoleReads = DIAGNOSTIC_READ_ACTIONS.iam.slice(0, 4);
  const iamPolicyReads = DIAGNOSTIC_READ_ACTIONS.iam.slice(4);
  const statements: Record<string, unknown>[] = [
    { Sid: 'ReadGatewayRole', Effect: 'Allow', Action: [...iamRoleReads], Resource: roleArn ?? '*' },
    {
      Sid: 'ReadAttachedPolicies',
      Effect: 'Allow',
      Action: [...iamPolicyReads],
      Resource: account ? [`arn:${partition}:iam::${account}:policy/*`, `arn:${partition}:iam::aws:policy/*`] : '*',
    },
    { Sid: 'ReadNetwork', Effect: 'Allow', Action: [...DIAGNOSTIC_READ_ACTIONS.ec2], Resource: '*' },
    { Sid: 'ReadCluster', Effect: 'Allow', Action: [...DIAGNOSTIC_READ_ACTIONS.eks], Resource: '*' },
    { Sid: 'ReadServices', Effect: 'Allow', Action: [...DIAGNOSTIC_READ_ACTIONS.services], Resource: '*' },
    {
      Sid: 'ReadSecretMetadata',
      Effect: 'Allow',
      Action: [...DIAGNOSTIC_READ_ACTIONS.secrets],
      Resource: inputs.secrets?.length ? [...inputs.secrets.map(secretResource), `arn:${partition}:kms:*:${account ?? '*'}:key/*`] : '*',
    },
    { Sid: 'ReadAudit', Effect: 'Allow', Action: [...DIAGNOSTIC_READ_ACTIONS.audit], Resource: '*' },
  ];
  return { Version: '2012-10-17', Statement: statements };
}

// ---------------------------------------------------------------- Terraform

function hcl(value: unknown): string {
  return JSON.stringify(value);
}

function hclList(value: unknown): string {
  return hcl(Array.isArray(value) ? value : [value]);
}

/** A policy document as Terraform's `data "aws_iam_policy_document"` block. */
export function terraformPolicyDocument(name: string, document: PolicyDocumentJson): string {
  const lines = [`data "aws_iam_policy_document" "${name}" {`];
  for (const st of document.Statement) {
    lines.push('  statement {');
    if (st.Sid) lines.push(`    sid     = ${hcl(st.Sid)}`);
    lines.push(`    effect  = ${hcl(st.Effect)}`);
    if (st.Action) lines.push(`    actions = ${hclList(st.Action)}`);
    if (st.Resource) lines.push(`    resources = ${hclList(st.Resource)}`);
    const principal = st.Principal as Record<string, unknown> | undefined;
    if (principal) {
      for (const [type, identifiers] of Object.entries(principal)) {
        lines.push('    principals {', `      type        = ${hcl(type)}`, `      identifiers = ${hclList(identifiers)}`, '    }');
      }
    }
    const condition = st.Condition as Record<string, Record<string, unknown>> | undefined;
    if (condition) {
      for (const [test, block] of Object.entries(condition)) {
        for (const [variable, values] of Object.entries(block)) {
          lines.push('    condition {', `      test     = ${hcl(test)}`, `      variable = ${hcl(variable)}`, `      values   = ${hclList(values)}`, '    }');
        }
      }
    }
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n');
}

/** The commands that apply a trust and an inline permission policy to the role. */
export function applyCommands(roleArn: string): { trust: string; permissions: string; bootstrap: string } {
  const roleName = roleNameOfArn(roleArn);
  return {
    bootstrap: `aws iam create-role --role-name ${roleName} --assume-role-policy-document file://trust-bootstrap.json`,
    trust: `aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json`,
    permissions: `aws iam put-role-policy --role-name ${roleName} --policy-name gateway --policy-document file://permissions.json`,
  };
}
