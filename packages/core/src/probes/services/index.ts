// The services area's probes, in registry order (CATALOG.md's order). Owned by the services area.
// Order: services.redshift, services.rds (network area), services.athena, eks.association (secrets area).
import type { Probe } from '../../types.ts';
import * as redshift from './redshift.ts';
import * as rds from './rds.ts';
import * as athena from './athena.ts';
import * as eksAssociation from './eks-association.ts';

export const servicesProbes: Probe[] = [redshift, rds, athena, eksAssociation];
