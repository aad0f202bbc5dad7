// The services area's probes, in registry order (CATALOG.md's order). Owned by the services area.
import type { Probe } from '../../types.ts';

export const servicesProbes: Probe[] = [];
