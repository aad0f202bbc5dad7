// secrets and audit (CATALOG.md).
import type { CodeTable } from './types.ts';

export const secretsCodes = {
  SECRET_ACCESS_DENIED: { status: 'fail', title: 'Reading the secret is denied (IAM or the resource policy)' },
  SECRET_KMS_DENIED: { status: 'fail', title: "Access to KMS is not allowed: the secret's key may not be used to decrypt" },
  SECRET_NOT_FOUND: { status: 'fail', title: 'No such secret (misspelt name, or another region)' },
  SECRET_SCHEDULED_FOR_DELETION: { status: 'fail', title: 'The secret is marked for deletion' },
  SECRET_NAMING: { status: 'warn', title: 'A secret is not named under an environment prefix, or is configured as a pattern' },
  CLOUDTRAIL_MISSING: { status: 'warn', title: "No CloudTrail trail covers this region" },
  CLOUDTRAIL_NOT_LOGGING: { status: 'warn', title: 'The trail exists but is not logging' },
  CLOUDTRAIL_NO_MANAGEMENT_EVENTS: { status: 'warn', title: 'The trail skips management events' },
} satisfies CodeTable;
