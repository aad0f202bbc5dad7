// identity — the Pod Identity credential chain (CATALOG.md).
import type { CodeTable } from './types.ts';

export const identityCodes = {
  POD_IDENTITY_ENV_MISSING: { status: 'fail', title: 'No AWS_CONTAINER_CREDENTIALS_FULL_URI: the Pod Identity webhook did not inject this pod' },
  TOKEN_FILE_MISSING: { status: 'fail', title: 'The projected Pod Identity token file is missing' },
  IRSA_ENV_PRESENT: { status: 'fail', title: 'IRSA variables beside Pod Identity: the web-identity provider wins the chain' },
  STATIC_KEYS_PRESENT: { status: 'fail', title: 'AWS_ACCESS_KEY_ID in the environment shadows every other credential source' },
  FULL_URI_UNEXPECTED: { status: 'fail', title: 'AWS_CONTAINER_CREDENTIALS_FULL_URI names a host the SDKs reject' },
  AGENT_UNREACHABLE: { status: 'fail', title: 'The Pod Identity agent on 169.254.170.23:80 cannot be reached' },
  AGENT_TOKEN_REJECTED: { status: 'fail', title: 'The agent rejected the service account token' },
  AGENT_INVALID_HOST: { status: 'fail', title: 'The agent refused the request host (403)' },
  AGENT_THROTTLED: { status: 'error', title: 'The agent throttled the request (429)' },
  EKS_AUTH_ACCESS_DENIED: { status: 'fail', title: 'EKS does not have permissions to assume the associated role' },
  EKS_AUTH_NOT_FOUND: { status: 'fail', title: 'EKS Auth found no Pod Identity association for this pod' },
  AGENT_ERROR: { status: 'error', title: 'The agent answered with an unexpected error' },
  WRONG_ROLE: { status: 'fail', title: 'The default credential chain yields another role than the configured one' },
  CREDENTIALS_UNAVAILABLE: { status: 'fail', title: 'The default credential chain yields no credentials' },
  CALLER_IDENTITY_FAILED: { status: 'fail', title: 'sts:GetCallerIdentity failed' },
  SELF_ASSUME_DENIED: { status: 'fail', title: 'The role may not re-assume itself' },
  SELF_ASSUME_TAG_SESSION_DENIED: { status: 'fail', title: 'The chained self-assume is denied sts:TagSession (transitive Pod Identity tags)' },
  CHAINING_DURATION_EXCEEDED: { status: 'fail', title: 'DurationSeconds above 3600 on a role-chained call' },
  PACKED_POLICY_TOO_LARGE: { status: 'fail', title: 'The session tags exceed the packed size limit' },
  TAG_SESSION_DENIED: { status: 'fail', title: 'Assuming the role with session tags is denied' },
  TAG_KEY_CONFLICT: { status: 'fail', title: 'A configured session tag key is one Pod Identity already set (transitive)' },
  // Added by the identity probes: STS refused the AssumeRole request itself for another reason than the above
  // (another ValidationError, RegionDisabledException, ...); the summary quotes STS.
  ASSUME_ROLE_REJECTED: { status: 'fail', title: 'STS rejected the AssumeRole request (quoted)' },
} satisfies CodeTable;
