// Query strings and path parameters are text. Ajv's type coercion would read "0x10" as 16, "1e3"
// as 1000, " 16" as 16, "016" as 16 and "" as 0; the server's Ajv does not coerce at all (JSON
// bodies carry real types). Instead, before validation, a value whose schema wants an integer, a
// number or a boolean is converted here when it is written the one plain way (decimal digits;
// true/false), and left as text otherwise, so that validation refuses it with a type error that
// names the field.
//
// Why a hook rather than a second Ajv instance: Fastify's own compiler (with its formats) stays
// the only validator, and the rule is a few lines that read the route's schema.
import type { FastifyInstance, FastifyRequest } from 'fastify';

const INTEGER = /^(0|-?[1-9][0-9]*)$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

type Kind = 'integer' | 'number' | 'boolean';
type Plan = Array<[string, Kind[]]>;

interface SchemaLike {
  type?: string | string[];
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
  properties?: Record<string, SchemaLike>;
}

function kindsOf(s: SchemaLike | undefined): Kind[] {
  if (!s || typeof s !== 'object') return [];
  const types = [s.type ?? []].flat();
  const kinds = types.filter((t): t is Kind => t === 'integer' || t === 'number' || t === 'boolean');
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) kinds.push(...kindsOf(branch));
  return kinds;
}

// Schemas are fixed once routes are registered: plan each one once.
const plans = new WeakMap<object, Plan>();

function planOf(schema: SchemaLike): Plan {
  let plan = plans.get(schema);
  if (!plan) {
    plan = Object.entries(schema.properties ?? {})
      .map(([name, s]) => [name, kindsOf(s)] as [string, Kind[]])
      .filter(([, k]) => k.length > 0);
    plans.set(schema, plan);
  }
  return plan;
}

/** `text` as the value its schema kinds want, when written the plain way; otherwise unchanged. */
export function fromText(text: unknown, kinds: readonly Kind[]): unknown {
  if (typeof text !== 'string') return text;
  if (kinds.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  if ((kinds.includes('integer') && INTEGER.test(text)) || (kinds.includes('number') && NUMBER.test(text))) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return text;
}

function convert(values: unknown, schema: unknown): void {
  if (!values || typeof values !== 'object' || !schema || typeof schema !== 'object') return;
  const v = values as Record<string, unknown>;
  for (const [name, kinds] of planOf(schema as SchemaLike)) {
    if (name in v) v[name] = fromText(v[name], kinds);
  }
}

export function installStrictText(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const schema = req.routeOptions.schema;
    if (!schema) return;
    convert(req.query, schema.querystring);
    convert(req.params, schema.params);
  });
}
