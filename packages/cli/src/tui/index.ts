// The TUI as a function, for other front ends that have events rather than a config — `gateway-doctor cluster`
// streaming a Job's NDJSON, `render` of a saved run: `await runTui({ source: eventSource(events) })` returns the
// exit code. Callers decide plain vs UI with chooseFrontEnd (mode.ts) first.
import type { ReportContext, RunEvent } from '@gateway-doctor/core/types.ts';
import type { RunSource } from './source.ts';

export { chooseFrontEnd, inCi } from './mode.ts';
export type { RunSource } from './source.ts';

/** A one-shot source over events that exist already (a Job's stream): `r`/`R` say they cannot re-run it. */
export function eventSource(events: AsyncIterable<RunEvent>): RunSource {
  let used = false;
  return {
    rerunnable: false,
    async *start() {
      if (used) return;
      used = true;
      yield* events;
    },
  };
}

export interface RunTuiOptions {
  source: RunSource;
  context?: ReportContext;
  warnOk?: boolean;
  /** Where `s` writes (default: the current directory, else the temp directory). */
  saveDir?: string;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/** Renders the UI over `source` until the user quits (or, without a TTY stdin, the run ends); the exit code. */
export async function runTui(options: RunTuiOptions): Promise<number> {
  const [{ render }, { createElement }, { App }, { colorAllowed, makeTheme }, { saveReportFiles }] = await Promise.all([
    import('ink'),
    import('react'),
    import('./App.tsx'),
    import('./theme.ts'),
    import('./save.ts'),
  ]);
  const stdout = options.stdout ?? process.stdout;
  const instance = render(
    createElement(App, {
      source: options.source,
      context: options.context,
      warnOk: options.warnOk,
      theme: makeTheme(colorAllowed(process.env, stdout.isTTY === true)),
      saveReport: (report) => saveReportFiles(report, options.saveDir),
    }),
    { stdout, stdin: options.stdin ?? process.stdin, stderr: options.stderr ?? process.stderr, exitOnCtrlC: false },
  );
  const result = await instance.waitUntilExit();
  return typeof result === 'number' ? result : 1;
}
