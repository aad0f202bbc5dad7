// `s`: writes the report as JSON and as markdown side by side, in the chosen directory (default: the current
// one, else the temp directory when that is not writable), and returns the absolute paths.
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Report } from '@gateway-doctor/core/types.ts';

function stamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[:]/g, '').replace(/-/g, '');
}

export async function saveReportFiles(report: Report, dir?: string): Promise<string[]> {
  const { renderMarkdown } = await import('@gateway-doctor/core/report/markdown.ts');
  const base = `gateway-doctor-${stamp(report.startedAt)}`;
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = renderMarkdown(report);
  const candidates = dir ? [resolve(dir)] : [process.cwd(), tmpdir()];
  let lastError: unknown;
  for (const directory of candidates) {
    try {
      await mkdir(directory, { recursive: true });
      const paths = [join(directory, `${base}.json`), join(directory, `${base}.md`)];
      await writeFile(paths[0], json, { mode: 0o600 });
      await writeFile(paths[1], markdown, { mode: 0o600 });
      return paths;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
