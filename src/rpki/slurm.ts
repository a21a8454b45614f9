// SLURM (RFC 8416): local exceptions to RPKI data. Prefix filters drop VRPs, prefix assertions add
// them. BGPsec filters and assertions are checked for shape and otherwise ignored (we keep no
// router keys); a note says so. The file is validated as §3 describes and every error is named.
import fs from 'node:fs';
import { MAX_ASN } from '../net/asn.js';
import { MASK4, v6MaskWord } from '../net/compact.js';
import { type CompactPrefix, formatCompact, parseCompactPrefix } from './vrp.js';
import { VrpList } from './vrp-list.js';

export interface PrefixFilter {
  prefix?: CompactPrefix;
  asn?: number;
  comment?: string;
}
export interface PrefixAssertion {
  prefix: CompactPrefix;
  asn: number;
  maxPrefixLength: number;
  comment?: string;
}

export class SlurmError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid SLURM file (RFC 8416): ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`);
    this.name = 'SlurmError';
  }
}

export class Slurm {
  constructor(
    readonly prefixFilters: PrefixFilter[],
    readonly prefixAssertions: PrefixAssertion[],
    /** Things applied differently from what the file says (BGPsec entries ignored). */
    readonly notes: string[],
  ) {}

  /** True when a prefix filter drops this VRP (§3.3.1: prefix equal or more specific, and/or same ASN). */
  filtersV4(addr: number, len: number, asn: number): boolean {
    for (const f of this.prefixFilters) {
      if (f.asn !== undefined && f.asn !== asn) continue;
      if (f.prefix) {
        if (f.prefix.family !== 4 || f.prefix.len > len || ((addr ^ f.prefix.addr) & MASK4[f.prefix.len]!) !== 0) continue;
      }
      return true;
    }
    return false;
  }

  filtersV6(w: ArrayLike<number>, off: number, len: number, asn: number): boolean {
    for (const f of this.prefixFilters) {
      if (f.asn !== undefined && f.asn !== asn) continue;
      if (f.prefix) {
        const p = f.prefix;
        if (p.family !== 6 || p.len > len) continue;
        let inside = true;
        for (let i = 0; i < 4; i++) if (((w[off + i]! ^ p.words[i]!) & v6MaskWord(p.len, i)) !== 0) inside = false;
        if (!inside) continue;
      }
      return true;
    }
    return false;
  }

  /** The assertions as VRPs (trust anchor "slurm"). */
  assertions(): VrpList {
    const l = new VrpList();
    const ta = l.ta('slurm');
    for (const a of this.prefixAssertions) l.pushCompact(a.prefix, a.maxPrefixLength, a.asn, ta);
    return l;
  }

  /** The list without filtered VRPs (assertions not added: see apply). */
  filter(list: VrpList): VrpList {
    if (this.prefixFilters.length === 0) return list;
    const out = new VrpList();
    const map = list.tas.map((t) => out.ta(t));
    list.forEachV4((a, l, m, asn, ta) => {
      if (!this.filtersV4(a, l, asn)) out.pushV4(a, l, m, asn, map[ta]);
    });
    list.forEachV6((w, o, l, m, asn, ta) => {
      if (!this.filtersV6(w, o, l, asn)) out.pushV6(w, o, l, m, asn, map[ta]);
    });
    return out;
  }

  /** RFC 8416 §4: filtered input plus the assertions. */
  apply(list: VrpList): VrpList {
    const out = new VrpList();
    out.append(this.filter(list));
    out.append(this.assertions());
    return out;
  }

  get summary(): string {
    return `${this.prefixFilters.length} prefix filter(s), ${this.prefixAssertions.length} prefix assertion(s)`;
  }
}

export function loadSlurmFile(file: string): Slurm {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SlurmError(file, [`cannot read: ${(e as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SlurmError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseSlurm(doc, file);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a parsed SLURM document (RFC 8416 §3) and builds it; throws SlurmError naming every problem. */
export function parseSlurm(doc: unknown, file = '(slurm)'): Slurm {
  const errs: string[] = [];
  const filters: PrefixFilter[] = [];
  const assertions: PrefixAssertion[] = [];
  const notes: string[] = [];

  const members = (o: Obj, where: string, required: string[], optional: string[]) => {
    for (const k of required) if (!(k in o)) errs.push(`${where}: missing member "${k}"`);
    for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) errs.push(`${where}: unknown member "${k}"`);
  };
  const array = (o: Obj, key: string, where: string): unknown[] => {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      errs.push(`${where}.${key}: must be an array`);
      return [];
    }
    return v;
  };
  const asnOf = (v: unknown, where: string): number | undefined => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_ASN) {
      errs.push(`${where}.asn: ${JSON.stringify(v)} is not an AS number (an integer 0..${MAX_ASN})`);
      return undefined;
    }
    return v;
  };
  const prefixOf = (v: unknown, where: string): CompactPrefix | undefined => {
    const p = parseCompactPrefix(v);
    if (typeof p === 'string') {
      errs.push(`${where}.prefix: ${p}`);
      return undefined;
    }
    return p;
  };
  const comment = (o: Obj, where: string): string | undefined => {
    if (o.comment === undefined) return undefined;
    if (typeof o.comment !== 'string') {
      errs.push(`${where}.comment: must be a string`);
      return undefined;
    }
    return o.comment;
  };

  if (!isObj(doc)) throw new SlurmError(file, ['the file must hold one JSON object']);
  members(doc, 'top level', ['slurmVersion', 'validationOutputFilters', 'locallyAddedAssertions'], []);
  if ('slurmVersion' in doc && doc.slurmVersion !== 1) errs.push(`slurmVersion: ${JSON.stringify(doc.slurmVersion)} is not supported (must be 1)`);

  const vof = doc.validationOutputFilters;
  if (vof !== undefined && !isObj(vof)) errs.push('validationOutputFilters: must be an object');
  if (isObj(vof)) {
    members(vof, 'validationOutputFilters', ['prefixFilters', 'bgpsecFilters'], []);
    array(vof, 'prefixFilters', 'validationOutputFilters').forEach((f, i) => {
      const where = `validationOutputFilters.prefixFilters[${i}]`;
      if (!isObj(f)) {
        errs.push(`${where}: must be an object`);
        return;
      }
      members(f, where, [], ['prefix', 'asn', 'comment']);
      if (!('prefix' in f) && !('asn' in f)) {
        errs.push(`${where}: needs "prefix", "asn" or both`);
        return;
      }
      const out: PrefixFilter = {};
      if ('prefix' in f) {
        const p = prefixOf(f.prefix, where);
        if (p) out.prefix = p;
      }
      if ('asn' in f) {
        const a = asnOf(f.asn, where);
        if (a !== undefined) out.asn = a;
      }
      const c = comment(f, where);
      if (c !== undefined) out.comment = c;
      filters.push(out);
    });
    const bf = array(vof, 'bgpsecFilters', 'validationOutputFilters');
    bf.forEach((f, i) => {
      const where = `validationOutputFilters.bgpsecFilters[${i}]`;
      if (!isObj(f)) {
        errs.push(`${where}: must be an object`);
        return;
      }
      members(f, where, [], ['asn', 'SKI', 'comment']);
      if (!('asn' in f) && !('SKI' in f)) errs.push(`${where}: needs "asn", "SKI" or both`);
      if ('asn' in f) asnOf(f.asn, where);
    });
    if (bf.length) notes.push(`${bf.length} BGPsec filter(s) ignored: router keys are not used`);
  }

  const laa = doc.locallyAddedAssertions;
  if (laa !== undefined && !isObj(laa)) errs.push('locallyAddedAssertions: must be an object');
  if (isObj(laa)) {
    members(laa, 'locallyAddedAssertions', ['prefixAssertions', 'bgpsecAssertions'], []);
    array(laa, 'prefixAssertions', 'locallyAddedAssertions').forEach((a, i) => {
      const where = `locallyAddedAssertions.prefixAssertions[${i}]`;
      if (!isObj(a)) {
        errs.push(`${where}: must be an object`);
        return;
      }
      members(a, where, ['prefix', 'asn'], ['maxPrefixLength', 'comment']);
      const p = 'prefix' in a ? prefixOf(a.prefix, where) : undefined;
      const asn = 'asn' in a ? asnOf(a.asn, where) : undefined;
      let max = p?.len ?? 0;
      if (p && 'maxPrefixLength' in a) {
        const m = a.maxPrefixLength;
        const bits = p.family === 4 ? 32 : 128;
        if (typeof m !== 'number' || !Number.isInteger(m)) errs.push(`${where}.maxPrefixLength: must be an integer`);
        else if (m < p.len) errs.push(`${where}.maxPrefixLength: ${m} is less than the prefix length ${p.len} of ${formatCompact(p)}`);
        else if (m > bits) errs.push(`${where}.maxPrefixLength: ${m} is more than ${bits}`);
        else max = m;
      }
      const c = comment(a, where);
      if (p && asn !== undefined) assertions.push({ prefix: p, asn, maxPrefixLength: max, ...(c !== undefined ? { comment: c } : {}) });
    });
    const ba = array(laa, 'bgpsecAssertions', 'locallyAddedAssertions');
    ba.forEach((a, i) => {
      const where = `locallyAddedAssertions.bgpsecAssertions[${i}]`;
      if (!isObj(a)) {
        errs.push(`${where}: must be an object`);
        return;
      }
      members(a, where, ['asn', 'SKI', 'routerPublicKey'], ['comment']);
      if ('asn' in a) asnOf(a.asn, where);
    });
    if (ba.length) notes.push(`${ba.length} BGPsec assertion(s) ignored: router keys are not used`);
  }
  if (errs.length) throw new SlurmError(file, errs);
  return new Slurm(filters, assertions, notes);
}
