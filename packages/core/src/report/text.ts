// The text report: reads without colour (flutter doctor's boxes), colour only as a second channel.
//   [✓] pass  [!] warn  [✗] fail  [-] skip  [☠] error
// Evidence as indented `key: value`, causes, `→` remedy prose with each command on its own line, policy JSON
// indented, and a closing count line.
import type { Outcome, Report, Status, Summary } from '../types.ts';

export const BOXES: Record<Status, string> = { pass: '[✓]', warn: '[!]', fail: '[✗]', skip: '[-]', error: '[☠]' };

export interface TextOptions {
  color?: boolean;
  /** Evidence and remedies for passes too (default: only for non-pass outcomes). */
  verbose?: boolean;
}

const SGR: Record<Status | 'dim' | 'bold' | 'cmd', string> = {
  pass: '32',
  warn: '33',
  fail: '31',
  skip: '90',
  error: '35',
  dim: '2',
  bold: '1',
  cmd: '36',
};

function paint(text: string, style: keyof typeof SGR, color: boolean | undefined): string {
  return color ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

/** Whether colour is allowed on a stream: NO_COLOR wins, then FORCE_COLOR, then TERM=dumb and non-TTY say no. */
export function colorAllowed(stream: { isTTY?: boolean } | undefined, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return !!stream?.isTTY;
}

function label(outcome: Outcome): string {
  return outcome.subject !== undefined ? `${outcome.probe} ${outcome.subject}` : outcome.probe;
}

/** One line: box, probe id, subject, code, summary (the plain live renderer prints this as outcomes stream). */
export function formatOutcomeLine(outcome: Outcome, options: TextOptions = {}): string {
  const box = paint(BOXES[outcome.status], outcome.status, options.color);
  const code = outcome.status === 'pass' && outcome.code === 'OK' ? '' : ` ${paint(outcome.code, 'bold', options.color)}`;
  return `${box} ${label(outcome)}${code} — ${outcome.summary}`;
}

function evidenceText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  return String(value);
}

/** The box for one outcome: its line, evidence, causes, remedy. */
export function formatOutcome(outcome: Outcome, options: TextOptions = {}): string {
  const lines = [formatOutcomeLine(outcome, options)];
  // Passes and skips stay one line (a skip keeps its remedy: the command that runs it where it applies).
  const detailed = options.verbose || outcome.status === 'warn' || outcome.status === 'fail' || outcome.status === 'error';
  const entries = Object.entries(outcome.evidence ?? {});
  if (detailed && entries.length) {
    for (const [key, value] of entries) lines.push(`    ${paint(key + ':', 'dim', options.color)} ${evidenceText(value)}`);
  }
  if (outcome.causes?.length) lines.push(`    ${paint('causes:', 'dim', options.color)} ${outcome.causes.join(', ')}`);
  if (outcome.remedy && (detailed || outcome.status === 'skip')) {
    lines.push(`    → ${outcome.remedy.text}`);
    for (const command of outcome.remedy.commands ?? []) {
      lines.push('');
      lines.push(`        ${paint(command, 'cmd', options.color)}`);
    }
    if (outcome.remedy.policy !== undefined) {
      lines.push('');
      for (const line of JSON.stringify(outcome.remedy.policy, null, 2).split('\n')) lines.push(`        ${line}`);
    }
  }
  if (detailed && outcome.docs && outcome.status !== 'pass') lines.push(`    ${paint('docs:', 'dim', options.color)} ${outcome.docs}`);
  return lines.join('\n');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `3 passed, 1 warning, 2 failed, 1 skipped, 0 errors` */
export function formatCounts(summary: Summary): string {
  return [
    `${summary.pass} passed`,
    plural(summary.warn, 'warning', 'warnings'),
    `${summary.fail} failed`,
    `${summary.skip} skipped`,
    plural(summary.error, 'error', 'errors'),
  ].join(', ');
}

export function renderText(report: Report, options: TextOptions = {}): string {
  const c = report.context;
  const header = [
    `gateway-doctor ${report.tool.version} — ${c.where === 'pod' ? 'in a pod' : 'on a laptop'}`,
    `  role: ${c.roleArn}`,
    `  cluster: ${c.cluster}  region: ${c.region}${c.namespace || c.serviceAccount ? `  namespace/serviceAccount: ${c.namespace ?? '?'}/${c.serviceAccount ?? '?'}` : ''}${c.node ? `  node: ${c.node}` : ''}`,
    '',
  ];
  const body = report.outcomes.map((o) => formatOutcome(o, options));
  const footer = ['', `finished in ${(report.durationMs / 1000).toFixed(1)} s, exit code ${report.exitCode}`, formatCounts(report.summary)];
  return [...header, ...body.join('\n\n').split('\n'), ...footer].join('\n') + '\n';
}
