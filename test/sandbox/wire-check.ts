// Run inside the sandbox by sandbox.test.ts: resolves names through the sandbox's DNS (c-ares, one try, 1.5 s)
// and connects to address:port pairs with a plain Node connect, then prints what it saw as JSON.
// argv[2]: JSON { names: string[], connects: string[] ("addr:port"), files: string[] }
import { Resolver } from 'node:dns/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';

const input: { names: string[]; connects: string[]; files: string[] } = JSON.parse(process.argv[2]);

async function resolveName(name: string): Promise<{ addresses?: string[]; error?: string; code?: string }> {
  const resolver = new Resolver({ timeout: 1500, tries: 1 });
  try {
    return { addresses: await resolver.resolve4(name) };
  } catch (e: any) {
    return { error: e.message, code: e.code };
  }
}

function connect(target: string): Promise<{ result: string; code?: string; ms: number }> {
  const i = target.lastIndexOf(':');
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host: target.slice(0, i), port: Number(target.slice(i + 1)) });
    let connected = false;
    const done = (result: string, code?: string) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result, code, ms: Date.now() - started });
    };
    // our own deadline: a dropped SYN never answers
    const timer = setTimeout(() => done(connected ? 'connected' : 'timeout'), 2500);
    sock.on('connect', () => {
      connected = true;
      // an accept-then-reset peer shows itself within moments
      setTimeout(() => done('connected'), 300);
    });
    sock.on('error', (e: any) => done(connected ? 'reset-after-connect' : 'error', e.code));
  });
}

const dns: Record<string, unknown> = {};
for (const name of input.names) dns[name] = await resolveName(name);
const tcp: Record<string, unknown> = {};
for (const t of input.connects) tcp[t] = await connect(t);
const files: Record<string, string | null> = {};
for (const f of input.files) files[f] = existsSync(f) ? readFileSync(f, 'utf8') : null;
let slowSet = '';
try {
  slowSet = execFileSync('nft', ['list', 'set', 'inet', 'gateway_doctor_sandbox', 'slow_seen'], { encoding: 'utf8' });
} catch (e: any) {
  slowSet = `error: ${e.message}`;
}
const sh = (cmd: string, args: string[]) => {
  try {
    return { ok: true, out: execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e: any) {
    return { ok: false, out: String(e.stderr ?? e.message) };
  }
};
process.stdout.write(
  JSON.stringify({
    env: process.env,
    dns,
    tcp,
    files,
    slowSet,
    links: sh('ip', ['-o', 'link', 'show']).out,
    routes: sh('ip', ['-4', 'route', 'show', 'table', 'all']).out,
    routeOut: sh('ip', ['-4', 'route', 'get', '192.0.2.1']),
  }),
);
