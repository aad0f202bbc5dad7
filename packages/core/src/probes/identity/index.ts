// The identity area's probes, in registry order (CATALOG.md's order). Owned by the identity area.
import type { Probe } from '../../types.ts';
import * as env from './env.ts';
import * as agent from './agent.ts';
import * as caller from './caller.ts';
import * as selfAssume from './self-assume.ts';
import * as tagSession from './tag-session.ts';

export const identityProbes: Probe[] = [env, agent, caller, selfAssume, tagSession];
