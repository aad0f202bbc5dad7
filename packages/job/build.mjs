// Bundles the Job's entrypoint into dist/main.mjs with esbuild. Code splitting keeps each AWS SDK client in its
// own chunk, loaded only when a probe first calls that service, so start-up stays fast.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
rmSync(`${here}dist`, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: `${here}src/main.ts` },
  outdir: `${here}dist`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Some SDK dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __gdCreateRequire } from 'node:module'; const require = __gdCreateRequire(import.meta.url);" },
  mainFields: ['module', 'main'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs);
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
const main = outputs.find(([name]) => name.endsWith('dist/main.mjs'));
console.log(`dist/main.mjs ${Math.round((main?.[1].bytes ?? 0) / 1024)} KiB, ${outputs.length - 1} chunks, ${Math.round(total / 1024)} KiB in all`);
