// Which front end runs: the ink UI only where it can work and was not declined; else the plain renderer.
export type FrontEnd = 'tui' | 'plain';

export interface ModeInput {
  env: Readonly<Record<string, string | undefined>>;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** `--plain` */
  plain?: boolean;
  /** `--tui`: force the UI (without a TTY stdin it shows the live view and exits when the run ends). */
  tui?: boolean;
}

/** CI as is-in-ci (ink's own test) sees it: CI/CONTINUOUS_INTEGRATION/CI_* set, unless CI is 0 or false. */
export function inCi(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((name) => name.startsWith('CI_'));
}

export function chooseFrontEnd(input: ModeInput): { frontEnd: FrontEnd; reason: string } {
  if (input.plain) return { frontEnd: 'plain', reason: '--plain' };
  if (input.tui) return { frontEnd: 'tui', reason: '--tui' };
  if (!input.stdoutIsTTY) return { frontEnd: 'plain', reason: 'stdout is not a terminal' };
  if (!input.stdinIsTTY) return { frontEnd: 'plain', reason: 'stdin is not a terminal' };
  if (inCi(input.env)) return { frontEnd: 'plain', reason: 'running under CI' };
  if (input.env.TERM === 'dumb') return { frontEnd: 'plain', reason: 'TERM=dumb' };
  return { frontEnd: 'tui', reason: 'interactive terminal' };
}
