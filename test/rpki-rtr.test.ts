// RTR PDU codec round trips, and the client against a scripted in-process cache: malformed PDUs
// -> Error Report then disconnect, version fallback, Cache Reset, timers, Router Keys skipped.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { RtrClient } from '../src/rpki/rtr/client.js';
import { RtrErrorCode, RtrProtocolError } from '../src/rpki/rtr/errors.js';
import { decodePdu, encodeErrorReport, encodePdu, type Pdu } from '../src/rpki/rtr/pdu.js';

const ALL: Pdu[] = [
  { type: 'serial-notify', version: 1, sessionId: 7, serial: 42 },
  { type: 'serial-query', version: 1, sessionId: 7, serial: 0xffffffff },
  { type: 'reset-query', version: 0 },
  { type: 'cache-response', version: 1, sessionId: 65535 },
  { type: 'ipv4-prefix', version: 1, announce: true, length: 24, maxLength: 32, addr: 0xc0000200, asn: 4294967295 },
  { type: 'ipv6-prefix', version: 1, announce: false, length: 32, maxLength: 48, words: new Uint32Array([0x20010db8, 0, 0, 0]), asn: 64500 },
  { type: 'end-of-data', version: 1, sessionId: 7, serial: 43, refresh: 10, retry: 5, expire: 600 },
  { type: 'end-of-data', version: 0, sessionId: 7, serial: 43 },
  { type: 'cache-reset', version: 1 },
  { type: 'router-key', version: 1, announce: true, ski: Buffer.alloc(20, 0xab), asn: 64500, spki: Buffer.alloc(91, 0x30) },
  { type: 'error-report', version: 1, code: 5, pdu: Buffer.from([1, 11, 0, 0, 0, 0, 0, 8]), text: 'unsupported: ✓' },
];

test('every PDU type round-trips through encode and decode', () => {
  for (const p of ALL) {
    const back = decodePdu(encodePdu(p), p.version);
    assert.deepEqual(back, p, p.type);
  }
});

const decodeError = (buf: Buffer, version = 1): RtrProtocolError => {
  try {
    decodePdu(buf, version);
  } catch (e) {
    assert.ok(e instanceof RtrProtocolError);
    return e;
  }
  assert.fail('expected a protocol error');
};

test('malformed PDUs raise the error code RFC 8210 §12 names', () => {
  const v4 = encodePdu(ALL[4]!);
  const long = Buffer.from(v4);
  long[10] = 33;
  assert.equal(decodeError(long).code, RtrErrorCode.CorruptData);
  const inverted = Buffer.from(v4);
  inverted[9] = 24;
  inverted[10] = 16;
  assert.match(decodeError(inverted).detail, /max length 16 is less than the prefix length 24/);
  const flags = Buffer.from(v4);
  flags[8] = 2;
  assert.equal(decodeError(flags).code, RtrErrorCode.CorruptData);
  const short = encodePdu(ALL[0]!).subarray(0, 10);
  short.writeUInt32BE(10, 4);
  assert.match(decodeError(Buffer.from(short)).detail, /Serial Notify PDU of length 10, must be 12/);
  const aspa = Buffer.from([1, 11, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 2]);
  assert.equal(decodeError(aspa).code, RtrErrorCode.UnsupportedPduType);
  assert.equal(decodeError(encodePdu(ALL[9]!), 0).code, RtrErrorCode.UnsupportedPduType, 'no Router Key in version 0');
  assert.match(decodeError(encodePdu(ALL[6]!), 0).detail, /End of Data \(version 0\) PDU of length 24/);
  const er = encodeErrorReport(1, 0, Buffer.alloc(8), 'x');
  er.writeUInt32BE(100, 8);
  assert.match(decodeError(er).detail, /encapsulates 100 bytes/);
});

// ---------------------------------------------------------------------------------------------
// A scripted cache

interface Conn {
  sock: net.Socket;
  got: Pdu[];
  raw: Buffer[];
}

async function fakeCache(onPdu: (c: Conn, p: Pdu) => void) {
  const conns: Conn[] = [];
  const srv = net.createServer((sock) => {
    const c: Conn = { sock, got: [], raw: [] };
    conns.push(c);
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= buf.readUInt32BE(4)) {
        const n = buf.readUInt32BE(4);
        const raw = buf.subarray(0, n);
        buf = buf.subarray(n);
        c.raw.push(Buffer.from(raw));
        const p = decodePdu(Buffer.from(raw), raw[0]!);
        c.got.push(p);
        onPdu(c, p);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.70.2', r));
  const port = (srv.address() as net.AddressInfo).port;
  servers.push(srv);
  return {
    port,
    conns,
    close: () => {
      for (const c of conns) c.sock.destroy();
      srv.close();
    },
  };
}
const servers: net.Server[] = [];
const clients: RtrClient[] = [];
after(() => {
  for (const c of clients) c.stop();
  for (const s of servers) s.close();
});

const send = (c: Conn, ...ps: Pdu[]) => c.sock.write(Buffer.concat(ps.map(encodePdu)));
const client = (port: number, extra: Partial<ConstructorParameters<typeof RtrClient>[0]> = {}) => {
  const c = new RtrClient({ host: '127.0.70.2', port, minBackoffMs: 50, maxBackoffMs: 100, ...extra });
  clients.push(c);
  return c;
};
const waitFor = async (cond: () => boolean, what: string, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const pfx4 = (addr: number, len: number, max: number, asn: number, announce = true, version = 1): Pdu => ({
  type: 'ipv4-prefix',
  version,
  announce,
  length: len,
  maxLength: max,
  addr,
  asn,
});

test('a malformed PDU gets an Error Report (Corrupt Data, with the PDU) and a disconnect, never a crash', async () => {
  const bad = Buffer.from(encodePdu(pfx4(0x0a000000, 8, 8, 1)));
  bad[10] = 40;
  const cache = await fakeCache((c, p) => {
    if (p.type === 'reset-query') {
      send(c, { type: 'cache-response', version: 1, sessionId: 1 });
      c.sock.write(bad);
    }
  });
  const cl = client(cache.port);
  const reports: number[] = [];
  cl.on('errorReport', (r) => {
    if (r.sent) reports.push(r.code);
  });
  cl.start();
  await waitFor(() => cache.conns[0]?.got.some((p) => p.type === 'error-report') ?? false, 'error report');
  const er = cache.conns[0]!.got.find((p) => p.type === 'error-report') as Extract<Pdu, { type: 'error-report' }>;
  assert.equal(er.code, RtrErrorCode.CorruptData);
  assert.deepEqual(er.pdu, bad, 'the offending PDU is encapsulated');
  assert.match(er.text, /max length 40/);
  assert.deepEqual(reports, [0]);
  await waitFor(() => cache.conns.length >= 2, 'reconnect after backoff');
  assert.equal(cl.table.size, 0);
  cl.stop();
  cache.close();
});

test('garbage length, unknown PDU type (ASPA in version 1), duplicate announcement and unknown withdrawal are reported', async () => {
  const scripts: Array<(c: Conn) => void> = [
    (c) => c.sock.write(Buffer.from([1, 3, 0, 1, 0, 0, 0, 3])), // length 3
    (c) => {
      send(c, { type: 'cache-response', version: 1, sessionId: 1 });
      c.sock.write(Buffer.from([1, 11, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 2]));
    },
    (c) => send(c, { type: 'cache-response', version: 1, sessionId: 1 }, pfx4(0x0a000000, 8, 8, 1), pfx4(0x0a000000, 8, 8, 1)),
    (c) => send(c, { type: 'cache-response', version: 1, sessionId: 1 }, pfx4(0x0a000000, 8, 8, 1, false)),
    (c) => send(c, { type: 'ipv4-prefix', version: 2, announce: true, length: 8, maxLength: 8, addr: 0x0a000000, asn: 1 }),
  ];
  const want = [
    RtrErrorCode.CorruptData,
    RtrErrorCode.UnsupportedPduType,
    RtrErrorCode.DuplicateAnnouncementReceived,
    RtrErrorCode.WithdrawalOfUnknownRecord,
    RtrErrorCode.UnsupportedProtocolVersion,
  ];
  let n = 0;
  const cache = await fakeCache((c, p) => {
    if (p.type === 'reset-query') scripts[n++]?.(c);
  });
  const cl = client(cache.port);
  cl.start();
  await waitFor(() => cache.conns.filter((c) => c.got.some((p) => p.type === 'error-report')).length >= scripts.length, 'all error reports', 8000);
  const codes = cache.conns.map((c) => (c.got.find((p) => p.type === 'error-report') as { code: number } | undefined)?.code).filter((x) => x !== undefined);
  assert.deepEqual(codes.slice(0, want.length), want);
  cl.stop();
  cache.close();
});

test('full sync, Router Keys skipped, serial notify -> serial query -> incremental update, Cache Reset -> reset query', async () => {
  let serial = 1;
  const cache = await fakeCache((c, p) => {
    if (p.type === 'reset-query') {
      send(
        c,
        { type: 'cache-response', version: 1, sessionId: 9 },
        pfx4(0x0a000000, 8, 16, 65001),
        { type: 'router-key', version: 1, announce: true, ski: Buffer.alloc(20, 1), asn: 65001, spki: Buffer.alloc(91) },
        { type: 'ipv6-prefix', version: 1, announce: true, length: 32, maxLength: 48, words: new Uint32Array([0x20010db8, 0, 0, 0]), asn: 65002 },
        { type: 'end-of-data', version: 1, sessionId: 9, serial, refresh: 3600, retry: 600, expire: 7200 },
      );
    } else if (p.type === 'serial-query' && p.serial === 1) {
      serial = 2;
      send(c, { type: 'cache-response', version: 1, sessionId: 9 }, pfx4(0x0a000000, 8, 16, 65001, false), pfx4(0xc0000200, 24, 24, 65003), {
        type: 'end-of-data',
        version: 1,
        sessionId: 9,
        serial,
        refresh: 3600,
        retry: 600,
        expire: 7200,
      });
    } else if (p.type === 'serial-query') {
      send(c, { type: 'cache-reset', version: 1 });
    }
  });
  const cl = client(cache.port);
  const changes: string[] = [];
  cl.table.onChange((ch) => changes.push(`${ch.full ? 'full' : 'incr'} +${ch.added.size} -${ch.removed.size}`));
  cl.start();
  const s1 = await cl.waitSynced(3000);
  assert.equal(s1.full, true);
  assert.equal(cl.table.size, 2);
  assert.equal(cl.table.validate('10.1.0.0/16', 65001), 'valid');
  const next = cl.waitSynced(3000);
  send(cache.conns[0]!, { type: 'serial-notify', version: 1, sessionId: 9, serial: 2 });
  const s2 = await next;
  assert.equal(s2.full, false);
  assert.equal(s2.serial, 2);
  assert.equal(cl.table.validate('10.1.0.0/16', 65001), 'not-found');
  assert.equal(cl.table.validate('192.0.2.0/24', 65003), 'valid');
  // Serial 2 is unknown to the script: Cache Reset, then a Reset Query on the same connection.
  const third = cl.waitSynced(3000);
  send(cache.conns[0]!, { type: 'serial-notify', version: 1, sessionId: 9, serial: 3 });
  await third;
  assert.deepEqual(
    cache.conns[0]!.got.map((p) => p.type),
    ['reset-query', 'serial-query', 'serial-query', 'reset-query'],
  );
  assert.equal(cache.conns.length, 1);
  assert.deepEqual(changes, ['full +2 -0', 'incr +1 -1', 'full +1 -1'], 'the reset restores 10.0.0.0/8 and drops 192.0.2.0/24; the IPv6 VRP stays');
  cl.stop();
  cache.close();
});

test('version fallback: Unsupported Protocol Version -> reconnect in version 0; v0 timers from options; refresh and expire', async () => {
  const cache = await fakeCache((c, p) => {
    if (p.version === 1) {
      c.sock.write(encodeErrorReport(0, RtrErrorCode.UnsupportedProtocolVersion, encodePdu(p), 'version 0 only'));
      c.sock.end();
    } else if (p.type === 'reset-query') {
      send(c, { type: 'cache-response', version: 0, sessionId: 3 }, pfx4(0x0a000000, 8, 8, 1, true, 0), {
        type: 'end-of-data',
        version: 0,
        sessionId: 3,
        serial: 5,
      });
    } else if (p.type === 'serial-query') {
      // Refresh: no news. Then stop answering so that the data expires.
      if (c.got.filter((x) => x.type === 'serial-query').length === 1)
        send(c, { type: 'cache-response', version: 0, sessionId: 3 }, { type: 'end-of-data', version: 0, sessionId: 3, serial: 5 });
    }
  });
  const cl = client(cache.port, { timers: { refresh: 0.2, retry: 1, expire: 1 } });
  const versions: number[] = [];
  cl.on('version', (v) => versions.push(v));
  cl.start();
  const s = await cl.waitSynced(3000);
  assert.equal(s.version, 0);
  assert.deepEqual(versions, [0]);
  assert.equal(cl.table.size, 1);
  await waitFor(() => cache.conns[1]?.got.filter((p) => p.type === 'serial-query').length === 1, 'serial query after the refresh interval');
  const expired = new Promise<void>((r) => cl.once('expired', () => r()));
  await expired;
  assert.equal(cl.table.size, 0, 'expired data is dropped');
  cl.stop();
  cache.close();
});

test('a cache answering our version 1 query in version 0 is followed down', async () => {
  const cache = await fakeCache((c, p) => {
    if (p.type === 'reset-query')
      send(c, { type: 'cache-response', version: 0, sessionId: 4 }, pfx4(0x0a000000, 8, 8, 1, true, 0), {
        type: 'end-of-data',
        version: 0,
        sessionId: 4,
        serial: 1,
      });
  });
  const cl = client(cache.port);
  cl.start();
  const s = await cl.waitSynced(3000);
  assert.equal(s.version, 0);
  assert.equal(cache.conns[0]!.got[0]!.version, 1);
  cl.stop();
  cache.close();
});

test('Error Report from the cache (No Data Available) -> retry later', async () => {
  let n = 0;
  const cache = await fakeCache((c, p) => {
    if (p.type !== 'reset-query') return;
    if (n++ === 0) c.sock.write(encodeErrorReport(1, RtrErrorCode.NoDataAvailable, encodePdu(p), 'still loading'));
    else
      send(
        c,
        { type: 'cache-response', version: 1, sessionId: 4 },
        { type: 'end-of-data', version: 1, sessionId: 4, serial: 1, refresh: 60, retry: 1, expire: 600 },
      );
  });
  const cl = client(cache.port);
  const got: string[] = [];
  cl.on('errorReport', (r) => got.push(`${r.sent ? 'sent' : 'received'} ${r.name}: ${r.text}`));
  cl.start();
  await cl.waitSynced(3000);
  assert.deepEqual(got, ['received No Data Available: still loading']);
  assert.equal(cache.conns.length, 2);
  cl.stop();
  cache.close();
});
