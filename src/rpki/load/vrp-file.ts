// VRP files: rpki-client and Routinator output, JSON or CSV, format detected from the content.
//   rpki-client JSON  {"metadata":{"buildtime":...},"roas":[{"asn":13335,"prefix":"1.0.0.0/24","maxLength":24,"ta":"apnic"}]}
//   Routinator JSON   {"metadata":{"generated":...},"roas":[{"asn":"AS13335","prefix":...,"maxLength":24,"ta":"apnic"}]}
//   CSV (both)        ASN,IP Prefix,Max Length,Trust Anchor[,Expires]  /  AS13335,1.0.0.0/24,24,apnic
// A file with any bad entry is refused: the error names the file, the line or index and the rule.
import fs from 'node:fs';
import { checkMaxLength, parseAsn, parseCompactPrefix } from '../vrp.js';
import { VrpList } from '../vrp-list.js';

export type VrpFormat = 'rpki-client-json' | 'routinator-json' | 'rpki-client-csv' | 'routinator-csv';

export interface VrpFile {
  format: VrpFormat;
  vrps: VrpList;
}

export interface VrpProblem {
  /** "line 5" or "roas[17]" */
  where: string;
  rule: string;
}

const MAX_REPORTED = 10;

export class VrpFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: VrpProblem[],
    more = 0,
  ) {
    super(
      `${file}: ${problems.length === 1 && more === 0 ? '' : `${problems.length + more} problems:\n  `}` +
        problems.map((p) => `${p.where}: ${p.rule}`).join('\n  ') +
        (more > 0 ? `\n  ... and ${more} more` : ''),
    );
    this.name = 'VrpFileError';
  }
}

export function loadVrpFile(file: string): VrpFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new VrpFileError(file, [{ where: 'file', rule: `cannot read: ${(e as Error).message}` }]);
  }
  return parseVrpText(text, file);
}

export function parseVrpText(text: string, file = '(input)'): VrpFile {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return parseJson(start, file);
  if (start === '') throw new VrpFileError(file, [{ where: 'file', rule: 'empty: expected rpki-client or Routinator JSON or CSV' }]);
  return parseCsv(start, file);
}

class Collector {
  readonly problems: VrpProblem[] = [];
  more = 0;
  add(where: string, rule: string): void {
    if (this.problems.length < MAX_REPORTED) this.problems.push({ where, rule });
    else this.more++;
  }
  throwIfAny(file: string): void {
    if (this.problems.length) throw new VrpFileError(file, this.problems, this.more);
  }
}

/** Validates one entry and appends it; returns the rule broken, if any. */
function addEntry(list: VrpList, asnV: unknown, prefixV: unknown, maxV: unknown, ta: string | undefined): string | undefined {
  const p = parseCompactPrefix(prefixV);
  if (typeof p === 'string') return p;
  const asn = parseAsn(asnV);
  if (typeof asn === 'string') return asn;
  const bad = checkMaxLength(p.family, p.len, maxV);
  if (bad) return bad;
  list.pushCompact(p, maxV as number, asn, list.ta(ta));
  return undefined;
}

function parseJson(text: string, file: string): VrpFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VrpFileError(file, [{ where: 'file', rule: `not valid JSON: ${(e as Error).message}` }]);
  }
  const roas = (doc as { roas?: unknown }).roas;
  if (!Array.isArray(roas)) throw new VrpFileError(file, [{ where: 'file', rule: 'no "roas" array: expected rpki-client or Routinator JSON' }]);
  const meta = (doc as { metadata?: Record<string, unknown> }).metadata ?? {};
  const list = new VrpList();
  const errs = new Collector();
  let stringAsns = 0;
  for (let i = 0; i < roas.length; i++) {
    const r = roas[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      errs.add(`roas[${i}]`, 'not an object');
      continue;
    }
    if (typeof r.asn === 'string') stringAsns++;
    const missing = ['asn', 'prefix', 'maxLength'].filter((k) => !(k in r));
    if (missing.length) {
      errs.add(`roas[${i}]`, `missing ${missing.join(', ')}`);
      continue;
    }
    // Some producers write maxLength as a string.
    const max = typeof r.maxLength === 'string' && /^\d+$/.test(r.maxLength) ? Number(r.maxLength) : r.maxLength;
    const bad = addEntry(list, r.asn, r.prefix, max, typeof r.ta === 'string' ? r.ta : undefined);
    if (bad) errs.add(`roas[${i}]`, bad);
  }
  errs.throwIfAny(file);
  const routinator = 'generated' in meta || 'generatedTime' in meta || (roas.length > 0 && stringAsns === roas.length && !('buildtime' in meta));
  return { format: routinator ? 'routinator-json' : 'rpki-client-json', vrps: list };
}

function parseCsv(text: string, file: string): VrpFile {
  const lines = text.split('\n');
  const header = lines[0]!
    .replace(/\r$/, '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [cAsn, cPrefix, cMax, cTa] = [col('asn'), col('ip prefix'), col('max length'), col('trust anchor')];
  if (cAsn < 0 || cPrefix < 0 || cMax < 0) {
    throw new VrpFileError(file, [{ where: 'line 1', rule: 'not a VRP file: expected JSON or a CSV header "ASN,IP Prefix,Max Length,Trust Anchor"' }]);
  }
  const list = new VrpList();
  const errs = new Collector();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const f = line.split(',');
    if (f.length < header.length) {
      errs.add(`line ${i + 1}`, `${f.length} fields, the header has ${header.length}`);
      continue;
    }
    const maxText = f[cMax]!.trim();
    const max = /^\d+$/.test(maxText) ? Number(maxText) : maxText;
    const bad = addEntry(list, f[cAsn]!.trim(), f[cPrefix]!.trim(), max, cTa >= 0 ? f[cTa]!.trim() : undefined);
    if (bad) errs.add(`line ${i + 1}`, bad);
  }
  errs.throwIfAny(file);
  return { format: header.includes('expires') ? 'rpki-client-csv' : 'routinator-csv', vrps: list };
}
