// The identity area's probes, in registry order (CATALOG.md's order). Owned by the identity area.
import type { Probe } from '../../types.ts';

export const identityProbes: Probe[] = [];
