// The audit area's probes, in registry order (CATALOG.md's order). Owned by the audit area.
import type { Probe } from '../../types.ts';

// audit.cloudtrail (./cloudtrail.ts) is registered once identity.caller exists (it needs it).
export const auditProbes: Probe[] = [];
