// The secrets area's probes, in registry order (CATALOG.md's order). Owned by the secrets area.
import type { Probe } from '../../types.ts';
import * as layout from './layout.ts';

// secrets.read (./read.ts) is registered before layout once identity.caller, policy.permissions and network.* exist.
export const secretsProbes: Probe[] = [layout];
