// The network area's probes, in registry order (CATALOG.md's order). Owned by the network area.
import type { Probe } from '../../types.ts';

export const networkProbes: Probe[] = [];
