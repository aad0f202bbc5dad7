// All probes in registry order: areas as in CATALOG.md, then probe order within the area.
import type { Probe } from '../types.ts';
import { identityProbes } from './identity/index.ts';
import { policyProbes } from './policy/index.ts';
import { secretsProbes } from './secrets/index.ts';
import { auditProbes } from './audit/index.ts';
import { networkProbes } from './network/index.ts';
import { servicesProbes } from './services/index.ts';

export const allProbes: Probe[] = [
  ...identityProbes,
  ...policyProbes,
  ...secretsProbes,
  ...auditProbes,
  ...networkProbes,
  ...servicesProbes, // services.* and eks.association
];
