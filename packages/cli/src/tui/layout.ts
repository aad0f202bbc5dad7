// Pure layout: turns the model into display lines of known height, so the frame always fits the terminal
// (ink clears the whole screen when a frame is as tall as the terminal) and every row is exactly one line.
import type { Outcome } from '@gateway-doctor/core/types.ts';
import type { Row, TuiState } from './model.ts';
import { visibleRows } from './model.ts';

export type ListLine = { kind: 'area'; area: string } | { kind: 'row'; row: Row; index: number };

/** Rows with an area heading wherever the area changes. */
export function listLines(state: TuiState): ListLine[] {
  const lines: ListLine[] = [];
  let area: string | undefined;
  visibleRows(state).forEach((row, index) => {
    if (row.task.area !== area) {
      area = row.task.area;
      lines.push({ kind: 'area', area });
    }
    lines.push({ kind: 'row', row, index });
  });
  return lines;
}

/** The window of `lines` of at most `height` lines that keeps the selected row in view (a third from the top). */
export function windowLines<T>(lines: T[], selected: number, height: number): { start: number; lines: T[] } {
  if (height <= 0) return { start: 0, lines: [] };
  if (lines.length <= height) return { start: 0, lines };
  const target = selected < 0 ? 0 : selected;
  const start = Math.max(0, Math.min(lines.length - height, target - Math.floor(height / 3)));
  return { start, lines: lines.slice(start, start + height) };
}

export type DetailKind = 'title' | 'summary' | 'heading' | 'text' | 'cause' | 'command' | 'policy' | 'docs' | 'blank';
export interface DetailLine {
  kind: DetailKind;
  text: string;
}

/** Word-wraps prose to `width`, continuation lines indented by `indent`. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    const lead = /^ */.exec(paragraph)![0];
    let line = '';
    for (const word of paragraph.slice(lead.length).split(/ +/)) {
      const candidate = line === '' ? lead + word : `${line} ${word}`;
      if (candidate.length <= width || line === '') {
        line = candidate;
      } else {
        out.push(line);
        line = indent + word;
      }
      while (line.length > width) {
        out.push(line.slice(0, width));
        line = indent + line.slice(width);
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * Splits a shell command that is wider than the pane into lines ending with ` \` (breaking only at spaces outside
 * quotes), so that copying all its lines into a shell runs exactly the command. A single word wider than the
 * pane is cut where it must be; the markdown report (`s`) has every command on one line.
 */
export function wrapCommand(command: string, width: number): string[] {
  if (command.length <= width) return [command];
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word += ch;
    } else if (ch === ' ') {
      if (word !== '') words.push(word);
      word = '';
    } else word += ch;
  }
  if (word !== '') words.push(word);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const candidate = line === '' ? w : `${line} ${w}`;
    if (line !== '' && candidate.length > width - 2) {
      lines.push(`${line} \\`);
      line = `  ${w}`;
    } else line = candidate;
  }
  lines.push(line);
  return lines.flatMap((l) => {
    const parts: string[] = [];
    let rest = l;
    while (rest.length > width) {
      parts.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    parts.push(rest);
    return parts;
  });
}

function chunk(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += width) parts.push(text.slice(i, i + width));
  return parts;
}

function evidenceValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map((v) => String(v)).join(', ');
  return String(value);
}

/**
 * The detail pane's lines for one outcome: summary, causes, evidence, remedy (prose, then each command on lines
 * of its own with nothing else on them, then the policy JSON), and the doc page.
 */
export function detailLines(outcome: Outcome, width: number): DetailLine[] {
  const w = Math.max(20, width);
  const lines: DetailLine[] = [];
  const push = (kind: DetailKind, texts: string[]) => texts.forEach((text) => lines.push({ kind, text }));
  const subject = outcome.subject ? ` ${outcome.subject}` : '';
  push('title', chunk(`${outcome.probe}${subject} · ${outcome.code} · ${outcome.status} · ${formatMs(outcome.durationMs)}`, w));
  push('summary', wrapText(outcome.summary, w));
  if (outcome.causes && outcome.causes.length > 0) {
    push('heading', ['Causes']);
    push('cause', outcome.causes.flatMap((cause) => wrapText(`• ${cause}`, w, '  ')));
  }
  const evidence = Object.entries(outcome.evidence ?? {});
  if (evidence.length > 0) {
    push('heading', ['Evidence']);
    for (const [key, value] of evidence) push('text', wrapText(`  ${key}: ${evidenceValue(value)}`, w, '    '));
  }
  if (outcome.remedy) {
    push('heading', ['Fix']);
    push('text', wrapText(outcome.remedy.text, w));
    for (const command of outcome.remedy.commands ?? []) {
      push('blank', ['']);
      push('command', wrapCommand(command, w));
    }
    if (outcome.remedy.policy !== undefined) {
      push('blank', ['']);
      push('policy', JSON.stringify(outcome.remedy.policy, null, 2).split('\n').flatMap((l) => chunk(l, w)));
    }
  }
  if (outcome.docs) {
    push('blank', ['']);
    push('docs', chunk(`Docs: ${outcome.docs}`, w));
  }
  return lines;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}
