// Drives runs: consumes the source's event stream into the model, one run at a time (a new run aborts the
// previous one), and aborts on unmount.
import { useCallback, useEffect, useRef } from 'react';
import type { Outcome } from '@gateway-doctor/core/types.ts';
import type { Action } from '../model.ts';
import type { RunSource } from '../source.ts';

export interface RunControl {
  /** Starts a run (everything, or only `scope` with `previous` standing in for the rest); resolves when it ends. */
  start(scope?: string[], previous?: Outcome[]): Promise<void>;
  /** Stops the current run, if any. */
  stop(): void;
}

export function useRun(source: RunSource, dispatch: (action: Action) => void, now: () => number = Date.now): RunControl {
  const current = useRef<AbortController | undefined>(undefined);

  const stop = useCallback(() => {
    current.current?.abort();
    current.current = undefined;
  }, []);

  const start = useCallback(
    async (scope?: string[], previous?: Outcome[]) => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      dispatch({ type: 'run-start', scope, at: now() });
      try {
        for await (const event of source.start(scope, controller.signal, previous)) {
          if (controller.signal.aborted) return;
          dispatch({ type: 'event', event, at: now() });
        }
      } catch (err) {
        if (!controller.signal.aborted) {
          dispatch({ type: 'run-failed', message: `The run stopped: ${err instanceof Error ? err.message : String(err)}` });
        }
      } finally {
        if (current.current === controller) current.current = undefined;
      }
    },
    [source, dispatch, now],
  );

  useEffect(() => {
    let cancelled = false;
    const graph = source.loadGraph?.().then(
      (nodes) => {
        if (!cancelled) dispatch({ type: 'graph', graph: nodes });
      },
      () => undefined, // without a graph, rows keep their arrival order and `r` re-runs the probe alone
    );
    void Promise.resolve(graph).then(() => {
      if (!cancelled) void start();
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [start, stop, source, dispatch]);

  return { start, stop };
}
