// The policy area's probes, in registry order (CATALOG.md's order). Owned by the policy area.
import type { Probe } from '../../types.ts';
import * as trust from './trust.ts';
import * as permissions from './permissions.ts';

export const policyProbes: Probe[] = [trust, permissions];
