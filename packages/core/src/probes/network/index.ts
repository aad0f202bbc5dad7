// The network area's probes, in registry order (CATALOG.md's order). Owned by the network area.
import type { Probe } from '../../types.ts';
import * as dns from './dns.ts';
import * as tcp from './tcp.ts';
import * as securityGroups from './security-groups.ts';
import * as path from './path.ts';
import * as egress from './egress.ts';

export const networkProbes: Probe[] = [dns, tcp, securityGroups, path, egress];
