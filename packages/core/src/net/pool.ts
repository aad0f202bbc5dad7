// Bounded concurrency for probing many targets at once (bench/scale.ts, and any embedding that probes a list).
import { probeAddress, type TcpOptions, type TcpResult } from './tcp.ts';

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}

export function probeMany(
  endpoints: { address: string; port: number }[],
  concurrency: number,
  opts: TcpOptions,
): Promise<TcpResult[]> {
  return mapLimit(endpoints, concurrency, (e) => probeAddress(e.address, e.port, opts));
}
