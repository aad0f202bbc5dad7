// The probe registry: the probes in registry order (areas as in CATALOG.md, then each area's own order), checked
// once — duplicate ids, unknown ids in needs/after, cycles — with errors that name the ids, like smithy's
// middleware stack does for duplicate names and missing anchors.
import { AREAS, type Probe } from './types.ts';
import { allProbes } from './probes/index.ts';

export class RegistryError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid probe registry:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'RegistryError';
    this.problems = problems;
  }
}

export interface Registry {
  /** In registry order. */
  readonly probes: readonly Probe[];
  get(id: string): Probe | undefined;
  /** Position in registry order (for sorting outcomes). */
  indexOf(id: string): number;
}

const ID = /^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$/;

/** Validates and indexes `probes`. Throws RegistryError listing every problem found. */
export function buildRegistry(probes: readonly Probe[] = allProbes): Registry {
  const problems: string[] = [];
  const byId = new Map<string, Probe>();
  const index = new Map<string, number>();
  probes.forEach((probe, i) => {
    const meta = probe?.meta;
    if (!meta || typeof meta.id !== 'string') {
      problems.push(`probe #${i}: has no meta.id`);
      return;
    }
    if (typeof probe.run !== 'function') problems.push(`${meta.id}: has no run function`);
    if (!ID.test(meta.id)) problems.push(`${meta.id}: id must look like <area>.<name> (lowercase, dot, kebab-case)`);
    if (!AREAS.includes(meta.area)) problems.push(`${meta.id}: unknown area ${JSON.stringify(meta.area)} (one of ${AREAS.join(', ')})`);
    if (byId.has(meta.id)) {
      problems.push(`${meta.id}: duplicate probe id (registered at #${index.get(meta.id)} and #${i})`);
      return;
    }
    byId.set(meta.id, probe);
    index.set(meta.id, i);
  });
  for (const probe of byId.values()) {
    const { id, needs = [], after = [] } = probe.meta;
    for (const dep of needs) {
      if (!byId.has(dep)) problems.push(`${id}: needs unknown probe ${dep}`);
      if (dep === id) problems.push(`${id}: needs itself`);
    }
    for (const dep of after) {
      if (!byId.has(dep)) problems.push(`${id}: runs after unknown probe ${dep}`);
      if (dep === id) problems.push(`${id}: runs after itself`);
    }
  }
  const cycle = findCycle([...byId.values()]);
  if (cycle) problems.push(`cycle in needs/after: ${cycle.join(' -> ')}`);
  if (problems.length) throw new RegistryError(problems);
  const ordered = [...byId.values()];
  return {
    probes: ordered,
    get: (id) => byId.get(id),
    indexOf: (id) => index.get(id) ?? Number.MAX_SAFE_INTEGER,
  };
}

/** A cycle through needs/after edges (probe-level), as a path that ends where it starts; undefined when none. */
function findCycle(probes: Probe[]): string[] | undefined {
  const edges = new Map(probes.map((p) => [p.meta.id, [...(p.meta.needs ?? []), ...(p.meta.after ?? [])].filter((d) => d !== p.meta.id)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of edges.get(id) ?? []) {
      if (!edges.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const p of probes) {
    const found = visit(p.meta.id);
    if (found) return found;
  }
  return undefined;
}
