// Checks every registered probe the way ESLint checks its rules: a doc page (docs/probes/<id>.md), every code
// its sources can emit in the catalog and on a doc page, and a test or world that mentions the probe.
// `node --import tsx tools/check-probes.ts` prints the problems and exits 1 when there are any; the engine's
// test suite runs it too (packages/core/test/engine-probes.test.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRegistry } from '../packages/core/src/registry.ts';
import { isCode } from '../packages/core/src/catalog/index.ts';
import { genericCodes } from '../packages/core/src/catalog/generic.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `code: 'X'` in a source: what a finding (or a classifier's verdict) is built with. */
const CODE_LITERAL = /\bcode:\s*['"]([A-Z][A-Z0-9_]*)['"]/g;
const QUOTED_UPPER = /['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g;

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

/** The probe's own module: probes/<area>/<name>.ts, or a file named after the whole id. */
function probeSource(id: string, area: string): string | undefined {
  const name = id.slice(id.indexOf('.') + 1);
  const candidates = [
    join(ROOT, 'packages/core/src/probes', area, `${name}.ts`),
    ...readdirSync(join(ROOT, 'packages/core/src/probes')).map((dir) => join(ROOT, 'packages/core/src/probes', dir, `${id.replace('.', '-')}.ts`)),
  ];
  return candidates.find((p) => existsSync(p));
}

export interface CheckResult {
  problems: string[];
  notes: string[];
  probes: number;
}

export function checkProbes(): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const registry = buildRegistry();
  const testFiles = [
    ...walk(join(ROOT, 'packages'), (p) => /\/test\/.*\.test\.tsx?$/.test(p)),
    ...walk(join(ROOT, 'test'), (p) => /\.test\.tsx?$/.test(p) || /\/worlds\/.*\.ya?ml$/.test(p)),
  ];
  const corpus = testFiles.map((p) => readFileSync(p, 'utf8')).join('\n');

  // Unknown codes anywhere in the probes and analyzers are bugs the runner would turn into PROBE_CRASHED.
  const sources = walk(join(ROOT, 'packages/core/src/probes'), (p) => p.endsWith('.ts')).concat(walk(join(ROOT, 'packages/core/src/analyze'), (p) => p.endsWith('.ts')));
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(CODE_LITERAL)) {
      const code = m[1]!;
      if (isCode(code)) continue;
      // A sentinel the file filters out itself (`f.code !== 'X'`) before anything is emitted is not a finding code.
      const filtered = new RegExp(`[!=]==\\s*['"]${code}['"]`).test(text);
      if (filtered) notes.push(`${relative(ROOT, file)}: ${code} is an internal marker (filtered before emission), not a catalog code`);
      else problems.push(`${relative(ROOT, file)}: code ${code} is not in the catalog (packages/core/src/catalog/)`);
    }
  }

  for (const probe of registry.probes) {
    const { id, area, docs } = probe.meta;
    const docPath = join(ROOT, 'docs/probes', `${id}.md`);
    if (!existsSync(docPath)) {
      problems.push(`${id}: no doc page docs/probes/${id}.md`);
    } else if (docs !== `docs/probes/${id}.md`) {
      problems.push(`${id}: meta.docs is ${JSON.stringify(docs)}, expected "docs/probes/${id}.md"`);
    }
    const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
    const source = probeSource(id, area);
    if (!source) {
      notes.push(`${id}: module file not found by name; its codes were checked with the rest of probes/`);
    } else {
      const text = readFileSync(source, 'utf8');
      const emitted = new Set([...text.matchAll(CODE_LITERAL)].map((m) => m[1]!).concat([...text.matchAll(QUOTED_UPPER)].map((m) => m[1]!).filter(isCode)));
      for (const code of emitted) {
        if (!isCode(code)) continue; // reported above
        if (code in genericCodes) continue; // documented once, in CATALOG.md's first section
        if (doc && !doc.includes(code) && !existsSync(join(ROOT, 'docs/codes', `${code}.md`))) {
          problems.push(`${id}: emits ${code}, which neither docs/probes/${id}.md nor docs/codes/${code}.md describes`);
        }
      }
    }
    if (!corpus.includes(id)) problems.push(`${id}: no test or world mentions it`);
  }
  return { problems, notes, probes: registry.probes.length };
}

function isEntryPoint(): boolean {
  return !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  const { problems, notes, probes } = checkProbes();
  for (const n of notes) console.log(`note: ${n}`);
  for (const p of problems) console.log(`problem: ${p}`);
  console.log(`${probes} probes checked, ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(problems.length ? 1 : 0);
}
