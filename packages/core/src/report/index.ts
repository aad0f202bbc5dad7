// Report formats by name. A new format plugs in with one import and one entry below (markdown: the TUI engineer).
import type { Report } from '../types.ts';
import { renderJson } from './json.ts';
import { renderText, type TextOptions } from './text.ts';
import { renderJunit } from './junit.ts';
import { renderSarif } from './sarif.ts';
import { renderMarkdown } from './markdown.ts';

export interface RenderOptions extends TextOptions {}
export type Renderer = (report: Report, options: RenderOptions) => string;

export const formats: Record<string, Renderer> = {
  text: renderText,
  json: renderJson,
  junit: renderJunit,
  sarif: renderSarif,
  markdown: renderMarkdown,
};

/** True for formats meant for machines (human progress then goes to stderr). */
export function isMachineFormat(format: string): boolean {
  return format !== 'text';
}

export function renderReport(format: string, report: Report, options: RenderOptions = {}): string {
  const render = formats[format];
  if (!render) throw new Error(`unknown format ${format} (one of ${Object.keys(formats).join(', ')})`);
  return render(report, options);
}

export { renderJson, eventLine } from './json.ts';
export { renderText, formatOutcome, formatOutcomeLine, formatCounts, colorAllowed, BOXES } from './text.ts';
export { renderJunit } from './junit.ts';
export { renderSarif } from './sarif.ts';
export { exitCodeFor, summarize, applyWarnOk } from './exit.ts';
