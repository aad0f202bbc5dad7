// `gateway-doctor list`: the registered probes in registry order — id, area, needs, title (or JSON).
import { buildRegistry } from '@gateway-doctor/core/registry.ts';
import { EXIT } from '@gateway-doctor/core/types.ts';
import { parseArgs, last } from './run.ts';

export const LIST_USAGE = `Usage: gateway-doctor list [--format text|json]

Lists every probe in run order: id, area, what it needs, title.`;

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['help']));
  if (args.switches.has('help')) {
    process.stdout.write(`${LIST_USAGE}\n`);
    return EXIT.OK;
  }
  const unknown = Object.keys(args.values).filter((k) => k !== 'format');
  const format = last(args.values.format) ?? 'text';
  if (args.problems.length || unknown.length || args.positional.length || (format !== 'text' && format !== 'json')) {
    const why = args.problems[0] ?? (unknown.length ? `unknown option --${unknown[0]}` : args.positional.length ? `unexpected argument ${JSON.stringify(args.positional[0])}` : `--format must be text or json, got ${JSON.stringify(format)}`);
    process.stderr.write(`gateway-doctor: ${why}\n\n${LIST_USAGE}\n`);
    return EXIT.USAGE;
  }
  const registry = buildRegistry();
  const rows = registry.probes.map((p) => ({
    id: p.meta.id,
    area: p.meta.area,
    needs: p.meta.needs ?? [],
    after: p.meta.after ?? [],
    podOnly: p.meta.podOnly ?? false,
    perSubject: typeof p.meta.subjects === 'function',
    title: p.meta.title,
    docs: p.meta.docs,
  }));
  if (format === 'json') {
    process.stdout.write(JSON.stringify({ schemaVersion: 1, probes: rows }, null, 2) + '\n');
    return EXIT.OK;
  }
  if (!rows.length) {
    process.stdout.write('no probes registered\n');
    return EXIT.OK;
  }
  const needsText = rows.map((r) => (r.needs.length ? r.needs.join(',') : '-'));
  const w = (xs: string[], h: string) => Math.max(h.length, ...xs.map((x) => x.length));
  const idW = w(rows.map((r) => r.id), 'ID');
  const areaW = w(rows.map((r) => r.area), 'AREA');
  const needsW = w(needsText, 'NEEDS');
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(idW)}  ${b.padEnd(areaW)}  ${c.padEnd(needsW)}  ${d}`.trimEnd();
  const out = [line('ID', 'AREA', 'NEEDS', 'TITLE'), ...rows.map((r, i) => line(r.id, r.area, needsText[i]!, r.title + (r.podOnly ? ' (pod only)' : '')))];
  process.stdout.write(out.join('\n') + '\n');
  return EXIT.OK;
}
