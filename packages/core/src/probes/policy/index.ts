// The policy area's probes, in registry order (CATALOG.md's order). Owned by the policy area.
import type { Probe } from '../../types.ts';

export const policyProbes: Probe[] = [];
