// The secrets area's probes, in registry order (CATALOG.md's order). Owned by the secrets area.
import type { Probe } from '../../types.ts';
import * as read from './read.ts';
import * as layout from './layout.ts';

export const secretsProbes: Probe[] = [read, layout];
