// A small authoritative DNS server for the pod sandbox (UDP and TCP), written from RFC 1035: A records for the
// world's names, NODATA for other types of a known name, NXDOMAIN / SERVFAIL / no answer at all (timeout) as
// the world says. No package: the wire format needed here is a header, one question and A answers.
import dgram from 'node:dgram';
import net from 'node:net';

/** What a name resolves to: addresses, or a failure mode. */
export type DnsAnswer = string[] | 'nxdomain' | 'servfail' | 'timeout';
export type DnsLookup = (name: string) => DnsAnswer;

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_FORMERR = 1;
const RCODE_NOTIMP = 4;

interface Question {
  id: number;
  flags: number;
  name: string;
  qtype: number;
  qclass: number;
  /** the raw question section, echoed in the answer */
  questionBytes: Buffer;
}

export function parseQuery(msg: Buffer): Question | { id: number; error: 'formerr' } {
  if (msg.length < 12) return { id: msg.length >= 2 ? msg.readUInt16BE(0) : 0, error: 'formerr' };
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  const qdcount = msg.readUInt16BE(4);
  if (qdcount !== 1 || flags & 0x8000) return { id, error: 'formerr' };
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    if (off >= msg.length) return { id, error: 'formerr' };
    const len = msg[off];
    if (len === 0) {
      off += 1;
      break;
    }
    if (len > 63 || off + 1 + len > msg.length) return { id, error: 'formerr' }; // no compression in queries
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return { id, error: 'formerr' };
  const qtype = msg.readUInt16BE(off);
  const qclass = msg.readUInt16BE(off + 2);
  return { id, flags, name: labels.join('.').toLowerCase(), qtype, qclass, questionBytes: msg.subarray(12, off + 4) };
}

function header(id: number, queryFlags: number, rcode: number, qd: number, an: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  // QR=1, opcode copied, AA=1, RD copied, RA=1
  const flags = 0x8000 | (queryFlags & 0x7800) | 0x0400 | (queryFlags & 0x0100) | 0x0080 | (rcode & 0xf);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  return h;
}

/** The response for one query, or null for "never answer" (the world's `timeout`). */
export function answerQuery(msg: Buffer, lookup: DnsLookup, ttl = 30): Buffer | null {
  const q = parseQuery(msg);
  if ('error' in q) return header(q.id, 0, RCODE_FORMERR, 0, 0);
  if (((q.flags >> 11) & 0xf) !== 0) return Buffer.concat([header(q.id, q.flags, RCODE_NOTIMP, 1, 0), q.questionBytes]);
  const answer = lookup(q.name.replace(/\.$/, ''));
  if (answer === 'timeout') return null;
  if (answer === 'servfail') return Buffer.concat([header(q.id, q.flags, RCODE_SERVFAIL, 1, 0), q.questionBytes]);
  if (answer === 'nxdomain') return Buffer.concat([header(q.id, q.flags, RCODE_NXDOMAIN, 1, 0), q.questionBytes]);
  if (q.qtype !== TYPE_A || q.qclass !== CLASS_IN) return Buffer.concat([header(q.id, q.flags, 0, 1, 0), q.questionBytes]); // NODATA
  const records = answer.map((addr) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    addr.split('.').forEach((o, i) => (rr[12 + i] = Number(o)));
    return rr;
  });
  return Buffer.concat([header(q.id, q.flags, 0, 1, records.length), q.questionBytes, ...records]);
}

export interface DnsServer {
  close(): Promise<void>;
  /** every name asked, in order (lowercase) */
  queries: string[];
}

/** Serves `lookup` on host:port over UDP and TCP. */
export async function startDnsServer(lookup: DnsLookup, host = '127.0.0.53', port = 53): Promise<DnsServer> {
  const queries: string[] = [];
  const logged: DnsLookup = (name) => {
    queries.push(name);
    return lookup(name);
  };
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const res = answerQuery(msg, logged);
    if (res) udp.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => resolve());
  });

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const res = answerQuery(msg, logged);
        if (res) {
          const l = Buffer.alloc(2);
          l.writeUInt16BE(res.length);
          sock.write(Buffer.concat([l, res]));
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  return {
    queries,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
