// Runs `gateway-doctor run` (the command's main, in this process) on every file named in argv, capturing what it
// writes, and prints one JSON line per file: { file, exitCode, stdout, stderr, threw }. Started by
// badinput.test.ts inside `unshare -n`, so even a config that were accepted could reach nothing.
import { main } from '../../packages/cli/src/commands/run.ts';

const files = process.argv.slice(2);
const results: unknown[] = [];
const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);
for (const file of files) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let exitCode: number | undefined;
  let threw: string | undefined;
  try {
    exitCode = await main(['--config', file, '--format', 'json', '--output', `${file}.report.json`, '--run-timeout-ms', '2000']);
  } catch (err) {
    threw = (err as Error)?.stack ?? String(err);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  results.push({ file, exitCode, stdout, stderr, threw });
}
realOut(JSON.stringify(results) + '\n');
process.exit(0);
