// The HTTP client behind every client command: OPENPEERING_URL and OPENPEERING_API_KEY.

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string; target?: string };
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
    method: string,
    path: string,
  ) {
    const e = body.error ?? {};
    super(`${method} ${path}: ${status} ${e.code ?? ''}: ${e.message ?? 'no message'}${e.target ? ` (field: ${e.target})` : ''}`);
  }
}

export interface ClientOptions {
  url?: string;
  key?: string;
}

export class Client {
  readonly url: string;
  private readonly key: string | undefined;

  constructor(opts: ClientOptions = {}) {
    this.url = (opts.url ?? process.env.OPENPEERING_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.key = opts.key ?? process.env.OPENPEERING_API_KEY;
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T; change?: string }> {
    if (!this.key) throw new CliError('no API key: set OPENPEERING_API_KEY (the operator key is printed when the service starts on an empty database)');
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (e as Error).message;
      throw new CliError(`cannot reach the openpeering service at ${this.url} (${cause}); is it running? (set OPENPEERING_URL)`);
    }
    const text = await res.text();
    const data = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ApiError(res.status, data ?? {}, method, path);
    const change = res.headers.get('openpeering-change') ?? undefined;
    return { status: res.status, data, ...(change ? { change } : {}) };
  }

  async get<T = any>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).data;
  }

  /** GET that answers undefined for 404 instead of failing. */
  async find<T = any>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Every item of a paged list. */
  async all<T = any>(path: string): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page: { items: T[]; nextCursor: string | null } = await this.get(`${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }
}

export const seg = (s: string | number) => encodeURIComponent(String(s));
