// ESM loader hooks for the first-frame trace: every resolved module URL is appended, synchronously, to a file
// before the resolution is handed back — so anything the main thread has imported is already in the file.
import { appendFileSync } from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}
