// Runs INSIDE a pod sandbox (test/network/wire.test.ts): exercises packages/core/src/net on the sandbox's wire and
// prints one JSON object. Every address it touches is one the sandbox created on its own loopback.
import net from 'node:net';
import { probeAddress, probeAddresses } from '../../packages/core/src/net/tcp.ts';
import { probeEgress } from '../../packages/core/src/net/tls.ts';
import { resolveName } from '../../packages/core/src/net/dns.ts';
import { probeMany } from '../../packages/core/src/net/pool.ts';

function plainConnect(host: string, port: number): Promise<{ ok: boolean; name?: string; code?: string; innerErrors?: number; message?: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    // What a client does by default: connect by name (Node 20: autoSelectFamily on, 250 ms per address).
    const s = net.connect({ host, port });
    const done = (r: object) => {
      s.destroy();
      resolve({ ms: Math.round(performance.now() - started), ...r } as never);
    };
    s.once('connect', () => done({ ok: true }));
    s.once('error', (e: NodeJS.ErrnoException & { errors?: unknown[] }) =>
      done({ ok: false, name: e.name, code: e.code, innerErrors: Array.isArray(e.errors) ? e.errors.length : undefined, message: e.message }),
    );
    setTimeout(() => done({ ok: false, name: 'DriverTimeout' }), 8000).unref();
  });
}

const out: Record<string, unknown> = {};
out.autoSelectFamilyDefault = net.getDefaultAutoSelectFamily();
out.plain = await plainConnect('pg.warehouse.internal', 5432);
const dns = await resolveName('pg.warehouse.internal', { timeoutMs: 1000, tries: 2 });
out.dns = dns;
out.perAddress = await probeAddresses(dns.addresses, 5432, { timeoutMs: 3000 });
const modes: Record<string, string> = { refuse: '10.0.8.41', drop: '10.0.8.42', reset: '10.0.8.43', 'host-unreachable': '10.0.8.44', 'net-unreachable': '10.0.8.45', open: '10.0.8.46' };
out.modes = Object.fromEntries(
  await Promise.all(Object.entries(modes).map(async ([mode, ip]) => [mode, await probeAddress(ip, 5432, { timeoutMs: 1500 })] as const)),
);
out.dnsModes = {
  nxdomain: (await resolveName('missing.wire.internal', { timeoutMs: 1000, tries: 1 })).kind,
  servfail: (await resolveName('broken.wire.internal', { timeoutMs: 1000, tries: 1 })).kind,
  timeout: (await resolveName('silent.wire.internal', { timeoutMs: 500, tries: 1 })).kind,
};
out.tls = {
  trusted: await probeEgress('203.0.113.10', 'sts.us-east-1.amazonaws.com', 443, { timeoutMs: 2000 }),
  untrusted: await probeEgress('203.0.113.30', 'api.powerbi.com', 443, { timeoutMs: 2000 }),
  wrongName: await probeEgress('203.0.113.10', 'not-in-the-certificate.example', 443, { timeoutMs: 2000 }),
};
// Bounded concurrency: 8 dropped addresses, 4 at a time, 400 ms deadline → two rounds.
const t0 = performance.now();
const many = await probeMany(Array.from({ length: 8 }, () => ({ address: '10.0.8.42', port: 5432 })), 4, { timeoutMs: 400, resetWaitMs: 0 });
out.pool = { ms: Math.round(performance.now() - t0), kinds: [...new Set(many.map((r) => r.kind))] };
process.stdout.write(JSON.stringify(out));
