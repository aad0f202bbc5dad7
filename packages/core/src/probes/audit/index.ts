// The audit area's probes, in registry order (CATALOG.md's order). Owned by the audit area.
import type { Probe } from '../../types.ts';
import * as cloudtrail from './cloudtrail.ts';

export const auditProbes: Probe[] = [cloudtrail];
