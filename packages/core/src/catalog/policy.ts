// policy — the role's trust and permission documents (CATALOG.md).
import type { CodeTable } from './types.ts';

export const policyCodes = {
  ROLE_NOT_FOUND: { status: 'fail', title: 'IAM has no role with the configured name' },
  TRUST_POD_IDENTITY_MISSING: { status: 'fail', title: 'The trust policy has no statement for pods.eks.amazonaws.com' },
  TRUST_POD_IDENTITY_NO_TAG_SESSION: { status: 'fail', title: 'The Pod Identity statement lacks sts:TagSession' },
  TRUST_POD_IDENTITY_CONDITION_MISMATCH: { status: 'fail', title: "The Pod Identity statement has a condition this pod's request does not meet" },
  TRUST_SELF_MISSING: { status: 'fail', title: 'No trust statement lets the role assume itself' },
  TRUST_SELF_VIA_ACCOUNT_ROOT: { status: 'warn', title: 'Only the account-root statement admits the role: its identity policy decides' },
  TRUST_SELF_HAS_EXTERNAL_ID: { status: 'fail', title: 'The self statement requires an ExternalId the self-assume never sends' },
  TRUST_SELF_NO_TAG_SESSION: { status: 'fail', title: 'The self statement lacks sts:TagSession' },
  TRUST_PLATFORM_MISSING: { status: 'fail', title: 'No trust statement for the platform account' },
  TRUST_PLATFORM_NO_EXTERNAL_ID: { status: 'fail', title: 'The platform statement has no ExternalId condition (confused deputy)' },
  TRUST_PLATFORM_EXTERNAL_ID_MISMATCH: { status: 'fail', title: 'The platform ExternalId is not the organization id' },
  TRUST_PLATFORM_EXTERNAL_ID_WEAK: { status: 'fail', title: 'The platform ExternalId condition can be met without the organization id' },
  TRUST_PRINCIPAL_UNIQUE_ID: { status: 'fail', title: 'A principal is a bare unique id: it was deleted or recreated' },
  TRUST_EXPLICIT_DENY: { status: 'fail', title: 'A Deny statement in the trust policy blocks a needed assume' },
  TRUST_INVALID: { status: 'fail', title: 'The trust policy has an element IAM rejects or misreads' },
  PERMISSION_SELF_ASSUME_MISSING: { status: 'fail', title: 'No identity-policy grant of sts:AssumeRole on the role itself' },
  PERMISSION_TAG_SESSION_MISSING: { status: 'fail', title: 'No identity-policy grant of sts:TagSession on the role itself' },
  PERMISSION_SECRETS_MISSING: { status: 'fail', title: 'No grant of secretsmanager:GetSecretValue on a configured secret' },
  PERMISSION_SECRETS_WILDCARD: { status: 'warn', title: 'secretsmanager:GetSecretValue is granted more broadly than the configured secrets' },
  PERMISSION_KMS_DECRYPT_MISSING: { status: 'fail', title: "Neither the key policy nor the role's policies grant kms:Decrypt on a secret's key" },
  PERMISSION_BOUNDARY_BLOCKS: { status: 'fail', title: 'The permissions boundary does not allow a needed action' },
  PERMISSION_SCP_BLOCKS: { status: 'fail', title: 'No service control policy allows a needed action' },
  PERMISSION_EXPLICIT_DENY: { status: 'fail', title: 'An explicit Deny blocks a needed action' },
} satisfies CodeTable;
