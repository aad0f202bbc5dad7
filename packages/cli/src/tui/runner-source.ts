// The live source: the engine's runner, imported only after the first frame is on screen (the registry pulls in
// every probe module; SDK clients load later still, when a probe first calls AWS).
import type { Config, RunEvent, Where } from '@gateway-doctor/core/types.ts';
import type { ProbeNode } from './model.ts';
import type { RunSource } from './source.ts';

export interface RunnerSourceOptions {
  /** Resolves to the validated config (loaded after the first frame). */
  config: Promise<Config>;
  /** Resolves once the first frame is on screen: nothing is imported before. */
  ready?: Promise<void>;
  where: Where;
  env: Record<string, string | undefined>;
  /** `--only`: the first run's probes; `R` keeps to them too. */
  only?: string[];
  debug?: (line: string) => void;
  warnOk?: boolean;
}

export function createRunnerSource(options: RunnerSourceOptions): RunSource {
  const source: RunSource = {
    rerunnable: true,
    async loadGraph() {
      await options.ready;
      const [{ buildRegistry }, config] = await Promise.all([import('@gateway-doctor/core/registry.ts'), options.config]);
      const nodes: ProbeNode[] = buildRegistry().probes.map(({ meta }) => {
        // Per-subject needs/after (e.g. network.dns → services.redshift for a cluster target) count for `r` too.
        const subjects = meta.subjects?.(config) ?? [];
        const union = (base: string[] | undefined, extra: (s: (typeof subjects)[number]) => string[] | undefined) => [
          ...new Set([...(base ?? []), ...subjects.flatMap((s) => extra(s) ?? [])]),
        ];
        return { id: meta.id, area: meta.area, title: meta.title, needs: union(meta.needs, (s) => s.needs), after: union(meta.after, (s) => s.after) };
      });
      source.graph = nodes;
      return nodes;
    },
    async *start(only, signal, previous): AsyncIterable<RunEvent> {
      await options.ready;
      const [{ runProbes }, config] = await Promise.all([import('@gateway-doctor/core/runner.ts'), options.config]);
      const scope = only ?? options.only;
      yield* runProbes(config, { where: options.where, env: options.env, only: scope, previous, signal, debug: options.debug, warnOk: options.warnOk });
    },
  };
  return source;
}
