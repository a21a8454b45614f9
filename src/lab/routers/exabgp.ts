// ExaBGP 4.2 as a lab daemon, driven through its process API instead of its CLI (exabgp.api.cli is
// off): a small helper process (below) logs what ExaBGP reports (session states, received UPDATEs,
// command acks) to a file that ExaState reads, and forwards the commands we append to another file.
// ExaBGP does not prepend its own ASN for us, so exaRoute() does; it has no maximum-prefix setting.
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../process.js';
import {
  type Adapter,
  type AnnouncedRoute,
  BIN,
  CLI_TIMEOUT_MS,
  type DaemonSpec,
  familiesOf,
  familyOf,
  holdOf,
  type LearnedRoute,
  logTail,
  nextHopOf,
  normOrigin,
  originOf,
  type PeerSpec,
  type StartContext,
  type Started,
  sortCommunities,
  validateRoute,
  waitReady,
} from './daemon.js';

// API helper: ExaBGP's JSON messages on stdin are appended to a file; commands appended to another
// file are forwarded to ExaBGP on stdout. stdout stays open (ExaBGP treats EOF as the helper dying,
// and gives up after 5 deaths); the helper exits when ExaBGP goes away (stdin EOF or reparenting).
const EXA_HELPER = `import os, sys, threading, time
rx_path, cmd_path = sys.argv[1], sys.argv[2]
parent = os.getppid()
def reader():
    with open(rx_path, 'ab', buffering=0) as out:
        for line in sys.stdin.buffer:
            out.write(line)
    os._exit(0)
threading.Thread(target=reader, daemon=True).start()
pos = 0
while True:
    if os.getppid() != parent:
        os._exit(0)
    try:
        with open(cmd_path, 'rb') as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b''
    end = data.rfind(b'\\n')
    if end >= 0:
        chunk = data[:end + 1]
        pos += len(chunk)
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    time.sleep(0.05)
`;

function exaRoute(spec: DaemonSpec, p: PeerSpec, r: AnnouncedRoute): string {
  const seq = [...(p.asn !== spec.asn ? [spec.asn] : []), ...(r.asPath ?? [])];
  const set = r.asSet?.length ? ` ( ${r.asSet.join(' ')} )` : '';
  let s = `route ${r.prefix} next-hop ${nextHopOf(spec, r)} origin ${originOf(r)} as-path [ ${seq.join(' ')}${set} ]`;
  if (r.med !== undefined) s += ` med ${r.med}`;
  if (r.communities?.length) s += ` community [ ${r.communities.join(' ')} ]`;
  if (r.largeCommunities?.length) s += ` large-community [ ${r.largeCommunities.join(' ')} ]`;
  return s;
}

function exabgpConfig(spec: DaemonSpec, dir: string): string {
  const out: string[] = [
    'process op-api {',
    `  run ${BIN.python3} ${path.join(dir, 'api.py')} ${path.join(dir, 'rx.jsonl')} ${path.join(dir, 'cmd.txt')};`,
    '  encoder json;',
    '}',
  ];
  for (const p of spec.peers) {
    const hold = holdOf(spec, p);
    const fams = familiesOf(p);
    const routes = (spec.routes ?? []).filter((r) => fams.includes(familyOf(r.prefix)));
    out.push(
      `neighbor ${p.address} {`,
      `  router-id ${spec.routerId};`,
      `  local-address ${spec.address};`,
      `  local-as ${spec.asn};`,
      `  peer-as ${p.asn};`,
      ...(p.passive ? ['  passive true;', `  listen ${spec.port};`] : [`  connect ${p.port};`]),
      ...(hold !== undefined ? [`  hold-time ${hold};`] : []),
      `  family { ${fams.map((f) => `${f} unicast;`).join(' ')} }`,
      // Route refresh is off by default in ExaBGP; the other daemons offer it.
      '  capability { route-refresh; }',
      '  api { processes [ op-api ]; neighbor-changes; receive { parsed; update; } }',
      ...(routes.length ? ['  static {', ...routes.map((r) => `    ${exaRoute(spec, p, r)};`), '  }'] : []),
      '}',
    );
  }
  if (spec.extraConfig) out.push(spec.extraConfig);
  return out.join('\n') + '\n';
}

interface ExaMsg {
  type?: string;
  neighbor?: {
    address?: { peer?: string };
    state?: string;
    message?: {
      update?: {
        attribute?: Record<string, unknown>;
        announce?: Record<string, Record<string, Array<{ nlri?: string }>>>;
        withdraw?: Record<string, Array<{ nlri?: string }>>;
      };
    };
  };
}

/** Incremental reader of the ExaBGP API helper's log: session states, received routes, acks. */
class ExaState {
  private offset = 0;
  private partial = '';
  readonly state = new Map<string, string>();
  readonly rib = new Map<string, LearnedRoute>();
  acks = 0;
  errors: string[] = [];
  constructor(private readonly file: string) {}

  poll(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line.trim());
    } finally {
      fs.closeSync(fd);
    }
  }

  private line(line: string): void {
    if (!line) return;
    if (line === 'done') {
      this.acks++;
      return;
    }
    if (line === 'error') {
      this.acks++;
      this.errors.push(line);
      return;
    }
    if (!line.startsWith('{')) return;
    let m: ExaMsg;
    try {
      m = JSON.parse(line) as ExaMsg;
    } catch {
      return;
    }
    const peer = m.neighbor?.address?.peer ?? '';
    if (m.type === 'state' && m.neighbor?.state) {
      this.state.set(peer, m.neighbor.state);
      if (m.neighbor.state === 'down') {
        for (const [k, r] of this.rib) if (r.peer === peer) this.rib.delete(k);
      }
      return;
    }
    const upd = m.neighbor?.message?.update;
    if (m.type !== 'update' || !upd) return;
    for (const list of Object.values(upd.withdraw ?? {})) {
      for (const n of list) if (n.nlri) this.rib.delete(`${peer}|${n.nlri}`);
    }
    const at = upd.attribute ?? {};
    const seq = (at['as-path'] as number[] | undefined) ?? [];
    const set = (at['as-set'] as number[] | undefined) ?? [];
    const asPath = [...seq.map(String), ...(set.length ? [`{${set.join(',')}}`] : [])].join(' ');
    for (const byNh of Object.values(upd.announce ?? {})) {
      for (const [nh, list] of Object.entries(byNh)) {
        for (const n of list) {
          if (!n.nlri) continue;
          const r: LearnedRoute = {
            prefix: n.nlri,
            peer,
            nextHop: nh,
            asPath,
            communities: sortCommunities(((at.community as number[][] | undefined) ?? []).map((c) => c.join(':'))),
            largeCommunities: sortCommunities(((at['large-community'] as number[][] | undefined) ?? []).map((c) => c.join(':'))),
          };
          const origin = normOrigin(at.origin);
          if (origin) r.origin = origin;
          if (typeof at.med === 'number') r.med = at.med;
          if (typeof at['local-preference'] === 'number') r.localPref = at['local-preference'];
          this.rib.set(`${peer}|${n.nlri}`, r);
        }
      }
    }
  }
}

/** Starts exabgp with the API helper and resolves once it has loaded its configuration. */
export async function startExabgp(spec: DaemonSpec, ctx: StartContext): Promise<Started> {
  const { dir } = ctx;
  if (spec.maxPrefix !== undefined) throw new Error('exabgp: maxPrefix is not supported');
  fs.writeFileSync(path.join(dir, 'api.py'), EXA_HELPER);
  fs.writeFileSync(path.join(dir, 'cmd.txt'), '');
  const conf = path.join(dir, 'exabgp.conf');
  fs.writeFileSync(conf, exabgpConfig(spec, dir));
  const rx = new ExaState(path.join(dir, 'rx.jsonl'));
  const proc = ctx.spawn(`exabgp ${spec.address}`, BIN.exabgp, [conf], {
    'exabgp.daemon.user': 'root',
    'exabgp.daemon.daemonize': 'false',
    'exabgp.api.cli': 'false',
    'exabgp.api.ack': 'true',
    'exabgp.log.destination': 'stdout',
  });
  await waitReady(proc, 'configuration', async () => /loaded new configuration successfully/.test(proc.logs()));
  const command = async (lines: string[]) => {
    rx.poll();
    const want = rx.acks + lines.length;
    const errors = rx.errors.length;
    fs.appendFileSync(path.join(dir, 'cmd.txt'), lines.map((l) => l + '\n').join(''));
    const deadline = Date.now() + CLI_TIMEOUT_MS;
    for (;;) {
      rx.poll();
      if (rx.errors.length > errors) throw new Error(`exabgp rejected a command:\n${lines.join('\n')}\n--- logs ---\n${logTail(proc.logs())}`);
      if (rx.acks >= want) return;
      if (proc.exited) throw new Error(`exabgp exited (${proc.exitInfo})\n${logTail(proc.logs())}`);
      if (Date.now() > deadline) throw new Error(`exabgp: no ack for commands within ${CLI_TIMEOUT_MS} ms:\n${lines.join('\n')}`);
      await sleep(50);
    }
  };
  const adapter: Adapter = {
    async established(peer) {
      rx.poll();
      return rx.state.get(peer) === 'up';
    },
    async routes() {
      rx.poll();
      return [...rx.rib.values()];
    },
    async announce(routes) {
      const lines: string[] = [];
      for (const r of routes) {
        validateRoute(spec, r);
        for (const p of spec.peers) {
          if (familiesOf(p).includes(familyOf(r.prefix))) lines.push(`neighbor ${p.address} announce ${exaRoute(spec, p, r)}`);
        }
      }
      if (lines.length) await command(lines);
    },
    async withdraw(prefixes) {
      const lines: string[] = [];
      for (const pfx of prefixes) {
        for (const p of spec.peers) {
          if (familiesOf(p).includes(familyOf(pfx))) lines.push(`neighbor ${p.address} withdraw route ${pfx}`);
        }
      }
      if (lines.length) await command(lines);
    },
  };
  return { proc, adapter };
}
