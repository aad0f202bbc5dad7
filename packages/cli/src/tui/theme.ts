// Colours and glyphs by meaning (never by hue at the call site). Statuses read without colour: the box glyph
// carries the meaning, colour only repeats it.
import type { Status } from '@gateway-doctor/core/types.ts';

/** A colour name ink understands, or undefined for "terminal default" (always the case without colour). */
export type Ink = string | undefined;

export interface Theme {
  color: boolean;
  ok: Ink;
  warn: Ink;
  fail: Ink;
  error: Ink;
  muted: Ink;
  accent: Ink;
  command: Ink;
  /** Box glyphs per status: `[✓] [!] [✗] [-] [☠]` (flutter doctor's). */
  box: Record<Status, string>;
  statusColor(status: Status): Ink;
}

export const BOX: Record<Status, string> = {
  pass: '[✓]',
  warn: '[!]',
  fail: '[✗]',
  skip: '[-]',
  error: '[☠]',
};

/**
 * Whether colour may be used: NO_COLOR (any non-empty value) wins, then FORCE_COLOR (anything but 0/false),
 * then TERM=dumb and a non-TTY stdout turn it off.
 */
export function colorAllowed(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force === 'false');
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

export function makeTheme(color: boolean): Theme {
  const c = (name: string): Ink => (color ? name : undefined);
  const theme: Theme = {
    color,
    ok: c('green'),
    warn: c('yellow'),
    fail: c('red'),
    error: c('magenta'),
    muted: c('gray'),
    accent: c('cyan'),
    command: c('cyan'),
    box: BOX,
    statusColor(status) {
      switch (status) {
        case 'pass':
          return theme.ok;
        case 'warn':
          return theme.warn;
        case 'fail':
          return theme.fail;
        case 'error':
          return theme.error;
        default:
          return theme.muted;
      }
    },
  };
  return theme;
}
