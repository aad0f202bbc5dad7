// services — the connectors' APIs, and the cluster from outside (CATALOG.md).
import type { CodeTable } from './types.ts';

export const servicesCodes = {
  REDSHIFT_NOT_FOUND: { status: 'fail', title: 'No Redshift cluster with that identifier in this region' },
  REDSHIFT_NOT_AVAILABLE: { status: 'fail', title: 'The Redshift cluster is not available' },
  RDS_NOT_FOUND: { status: 'fail', title: 'No RDS instance or cluster with that endpoint' },
  ATHENA_DENIED: { status: 'fail', title: 'Athena denied access to the workgroup' },
  ATHENA_WORKGROUP_NOT_FOUND: { status: 'fail', title: 'No Athena workgroup with that name' },
  ATHENA_WORKGROUP_DISABLED: { status: 'fail', title: 'The Athena workgroup is disabled' },
  ATHENA_NO_OUTPUT_LOCATION: { status: 'warn', title: 'The Athena workgroup has no output location' },
  ASSOCIATION_MISSING: { status: 'fail', title: 'No Pod Identity association for this namespace and service account' },
  ASSOCIATION_ROLE_MISMATCH: { status: 'fail', title: 'The association names another role' },
  AGENT_ADDON_MISSING: { status: 'warn', title: 'The eks-pod-identity-agent add-on is not installed' },
  ASSOCIATION_TARGET_ROLE: { status: 'pass', title: 'The association chains to a target role, which is the gateway role' },
  AGENT_ADDON_DEGRADED: { status: 'fail', title: 'The eks-pod-identity-agent add-on is degraded' },
  SESSION_TAGS_DISABLED: { status: 'pass', title: 'The association disables session tags' },
} satisfies CodeTable;
