// The TUI's root: owns the model (a reducer over RunEvents and key actions), wires the run source, the keys,
// saving and exit, and lays the frame out to fit the terminal.
import { Box, useApp } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { ReportContext } from '@gateway-doctor/core/types.ts';
import { ActionsContext, StateContext, ThemeContext } from './context.ts';
import type { TuiActions } from './context.ts';
import { allOutcomes, currentExitCode, initialState, reduce, rerunScope, selectedRow } from './model.ts';
import { listLines } from './layout.ts';
import type { RunSource, SaveReport } from './source.ts';
import type { Theme } from './theme.ts';
import { useKeys } from './hooks/use-keys.ts';
import { useRun } from './hooks/use-run.ts';
import { useTerminalSize } from './hooks/use-terminal-size.ts';
import type { TerminalSize } from './hooks/use-terminal-size.ts';
import { Header } from './components/Header.tsx';
import { ProbeList } from './components/ProbeList.tsx';
import { DetailPane } from './components/DetailPane.tsx';
import { Footer } from './components/Footer.tsx';
import { LiveLog } from './components/LiveLog.tsx';

export interface AppProps {
  /** Where the events come from. */
  source: RunSource;
  theme: Theme;
  /** Shown in the header until the report brings its own. */
  context?: ReportContext;
  version?: string;
  /** `--warn-ok`: warnings alone exit 0 (applies to merged re-run results too). */
  warnOk?: boolean;
  /** `s`; without it the key says saving is unavailable. */
  saveReport?: SaveReport;
  /** Fixed terminal size (tests); else the real one, following resizes. */
  size?: Partial<TerminalSize>;
  /** Clock for the model (tests). */
  now?: () => number;
  /** Told the exit code just before the app exits (ink's waitUntilExit gets it too). */
  onExit?: (code: number) => void;
}

export function App({ source, theme, context, version, warnOk, saveReport, size: fixedSize, now, onExit }: AppProps) {
  const app = useApp();
  const onExitRef = useRef(onExit);
  onExitRef.current = onExit;
  const exit = useCallback(
    (code: number) => {
      onExitRef.current?.(code);
      app.exit(code);
    },
    [app],
  );
  const [state, dispatch] = useReducer(reduce, { graph: source.graph, context, warnOk }, initialState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const run = useRun(source, dispatch, now);
  const size = useTerminalSize(fixedSize);
  useEffect(() => {
    if (context) dispatch({ type: 'context', context });
  }, [context]);

  const actions = useMemo<TuiActions>(() => {
    const notice = (message: string) => dispatch({ type: 'notice', message });
    const startRun = (scope?: string[]) => {
      if (source.rerunnable === false) return notice('These results cannot be re-run from here.');
      if (stateRef.current.running) return notice('A run is in progress: wait for it to finish.');
      void run.start(scope, scope ? allOutcomes(stateRef.current).filter((o) => !scope.includes(o.probe)) : undefined);
    };
    return {
      moveSelection: (delta) => dispatch({ type: 'move', delta }),
      toggleDetails: () => dispatch({ type: 'toggle-details' }),
      closeDetails: () => dispatch({ type: 'close-details' }),
      scrollDetails: (delta) => dispatch({ type: 'scroll-details', delta }),
      toggleFailuresOnly: () => dispatch({ type: 'toggle-failures' }),
      rerunSelected: () => {
        const row = selectedRow(stateRef.current);
        if (!row) return notice('Nothing selected.');
        startRun(rerunScope(stateRef.current.graph, row.task.probe));
      },
      rerunAll: () => startRun(undefined),
      save: () => {
        const { report, running } = stateRef.current;
        if (!saveReport) return notice('Saving is not available here.');
        if (!report || running) return notice('The run has not finished: nothing to save yet.');
        saveReport(report).then(
          (paths) => notice(`Saved ${paths.join(' and ')}`),
          (err: unknown) => notice(`Could not save the report: ${err instanceof Error ? err.message : String(err)}`),
        );
      },
      quit: () => {
        run.stop();
        exit(currentExitCode(stateRef.current));
      },
    };
  }, [source, run, saveReport, exit]);

  const keys = useKeys(actions, state.detailsOpen);

  // Without keys nobody can quit: leave when the run is over.
  const finished = state.run > 0 && !state.running;
  useEffect(() => {
    if (!keys && finished) exit(currentExitCode(stateRef.current));
  }, [keys, finished, exit]);

  const selected = selectedRow(state);
  const footerHeight = 1 + (state.notice ? 1 : 0) + (keys ? 1 : 0);
  // One spare line: a frame as tall as the terminal makes ink clear the screen on every update.
  const available = Math.max(3, size.rows - 2 - footerHeight - 1);
  const showDetails = keys && state.detailsOpen && selected?.outcome !== undefined;
  const listHeight = showDetails ? Math.min(listLines(state).length, Math.max(3, Math.floor(available * 0.35))) : available;

  return (
    <ThemeContext.Provider value={theme}>
      <StateContext.Provider value={state}>
        <ActionsContext.Provider value={actions}>
          <Box flexDirection="column" width={size.columns}>
            {keys ? (
              <>
                <Header version={version} />
                <ProbeList height={listHeight} columns={size.columns} />
                {showDetails && selected?.outcome ? (
                  <DetailPane outcome={selected.outcome} height={available - listHeight} columns={size.columns} scroll={state.detailScroll} />
                ) : null}
              </>
            ) : (
              <LiveLog />
            )}
            <Footer keys={keys} />
          </Box>
        </ActionsContext.Provider>
      </StateContext.Provider>
    </ThemeContext.Provider>
  );
}
