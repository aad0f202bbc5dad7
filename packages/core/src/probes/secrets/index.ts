// The secrets area's probes, in registry order (CATALOG.md's order). Owned by the secrets area.
import type { Probe } from '../../types.ts';

export const secretsProbes: Probe[] = [];
