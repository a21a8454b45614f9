// A server-sent events client for tests, on its own socket, that parses the stream into frames, and
// `within`, a bounded wait for a promise (polling waits are in until.ts).
import assert from 'node:assert/strict';
import http from 'node:http';

/** Every wait ends by then, with a failure naming what was awaited. */
export const BOUND_MS = 10_000;

export async function within<T>(p: Promise<T>, what: string, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A server-sent events client on its own socket (no agent, no keep-alive). */
export class SseClient {
  readonly frames: Frame[] = [];
  /** the body, when the reply is not an event stream (errors) */
  text = '';
  ended = false;
  private buf = '';
  private taken = 0;
  private wake: () => void = () => {};
  private constructor(
    readonly req: http.ClientRequest,
    readonly res: http.IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (!this.isStream) {
        this.text += chunk;
        return;
      }
      this.buf += chunk;
      let i: number;
      while ((i = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const f: Frame = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) {
            f.comment = line.slice(1).trim();
            continue;
          }
          const m = /^(id|event|data): ?(.*)$/.exec(line);
          assert.ok(m, `unexpected line in the stream: ${JSON.stringify(line)}`);
          f[m[1] as 'id' | 'event' | 'data'] = m[2];
        }
        this.frames.push(f);
      }
      this.wake();
    });
    const done = () => {
      this.ended = true;
      this.wake();
    };
    res.on('end', done);
    res.on('close', done);
  }

  static open(url: string, key: string | null, headers: Record<string, string> = {}): Promise<SseClient> {
    return within(
      new Promise((resolve, reject) => {
        const req = http.get(
          url,
          {
            agent: false,
            headers: { accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
          },
          (res) => resolve(new SseClient(req, res)),
        );
        req.on('error', reject);
      }),
      `the reply to GET ${url}`,
    );
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }
  get isStream(): boolean {
    return /^text\/event-stream/.test(String(this.res.headers['content-type']));
  }
  get events(): Frame[] {
    return this.frames.filter((f) => f.comment === undefined);
  }

  /** The next `n` events not taken yet. */
  async take(n: number): Promise<Frame[]> {
    await this.waitFor(() => this.events.length >= this.taken + n || this.ended, `${n} more event(s)`);
    const got = this.events.slice(this.taken, this.taken + n);
    assert.equal(got.length, n, `the stream ended after ${this.events.length} event(s): ${JSON.stringify(this.events)}`);
    this.taken += n;
    return got;
  }

  /** The ids of the next `n` events not taken yet. */
  async takeIds(n: number): Promise<Array<string | undefined>> {
    return (await this.take(n)).map((f) => f.id);
  }

  /** Waits for the server to end the stream; returns every event it sent. */
  async end(): Promise<Frame[]> {
    await this.waitFor(() => this.ended, 'the server to end the stream');
    return this.events;
  }

  async json(): Promise<any> {
    await this.end();
    return JSON.parse(this.text);
  }

  waitFor(cond: () => boolean, what: string): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (cond()) resolve();
          else this.wake = check;
        };
        check();
      }),
      what,
    );
  }

  close(): void {
    this.req.destroy();
  }
}
