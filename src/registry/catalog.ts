// What a customer can choose from: countries and locations served, providers and the PoPs
// where they peer, and whether a provider is available near a location (within 1000 miles).
import type { Store } from '../store/store.js';
import { rule } from './errors.js';
import { AVAILABILITY_RADIUS_MILES, distanceMiles } from './geo.js';
import type { CustomerLocation } from './types.js';

export interface CatalogLocation {
  country: string;
  region: string;
  lat: number;
  lon: number;
}
export interface CatalogProvider {
  name: string;
  displayName: string;
  kind: string;
  pops: Array<{ code: string; metro: string; country: string; region: string }>;
}
export interface Availability {
  availability: 'Available' | 'Unavailable';
  provider: string;
  nearestPop: string | null;
  distanceMiles: number | null;
}

export class Catalog {
  constructor(private readonly store: Store) {}

  /** Locations are the (country, region) pairs the operator's PoPs cover, at their PoPs' centre. */
  async locations(country?: string): Promise<CatalogLocation[]> {
    let q = this.store.db.selectFrom('pops').select(['country', 'region', 'lat', 'lon']);
    if (country) q = q.where('country', '=', country.toUpperCase());
    const groups = new Map<string, { country: string; region: string; lat: number; lon: number; n: number }>();
    for (const p of await q.execute()) {
      const k = `${p.country}\u0000${p.region}`;
      const g = groups.get(k) ?? { country: p.country, region: p.region, lat: 0, lon: 0, n: 0 };
      g.lat += p.lat;
      g.lon += p.lon;
      g.n++;
      groups.set(k, g);
    }
    return [...groups.values()]
      .map((g) => ({ country: g.country, region: g.region, lat: round(g.lat / g.n), lon: round(g.lon / g.n) }))
      .sort((a, b) => a.country.localeCompare(b.country) || a.region.localeCompare(b.region));
  }

  async countries(): Promise<Array<{ code: string }>> {
    const rows = await this.store.db.selectFrom('pops').select('country').distinct().orderBy('country').execute();
    return rows.map((r) => ({ code: r.country }));
  }

  /** Partners with at least one peering that has an Active connection, with those PoPs. */
  async providers(): Promise<CatalogProvider[]> {
    const rows = await this.store.db
      .selectFrom('peerings')
      .innerJoin('connections', 'connections.peering_id', 'peerings.id')
      .innerJoin('partners', 'partners.name', 'peerings.partner')
      .innerJoin('pops', 'pops.code', 'peerings.pop')
      .select(['partners.name', 'partners.display_name', 'partners.kind', 'pops.code', 'pops.metro', 'pops.country', 'pops.region'])
      .where('connections.state', '=', 'Active')
      .distinct()
      .orderBy('partners.name')
      .orderBy('pops.code')
      .execute();
    const out = new Map<string, CatalogProvider>();
    for (const r of rows) {
      const p = out.get(r.name) ?? { name: r.name, displayName: r.display_name, kind: r.kind, pops: [] };
      if (!p.pops.some((x) => x.code === r.code)) p.pops.push({ code: r.code, metro: r.metro, country: r.country, region: r.region });
      out.set(r.name, p);
    }
    return [...out.values()];
  }

  async availability(provider: string, location: CustomerLocation): Promise<Availability> {
    const partner = await this.store.db.selectFrom('partners').select('name').where('name', '=', provider).executeTakeFirst();
    if (!partner) throw rule('Peering service provider not found', 'provider');
    const at = await this.coordinates(location);
    const pops = (await this.providers()).find((p) => p.name === provider)?.pops ?? [];
    const coords = pops.length
      ? await this.store.db
          .selectFrom('pops')
          .select(['code', 'lat', 'lon'])
          .where(
            'code',
            'in',
            pops.map((p) => p.code),
          )
          .execute()
      : [];
    let best: { code: string; d: number } | null = null;
    for (const p of coords) {
      const d = distanceMiles(at.lat, at.lon, p.lat, p.lon);
      if (!best || d < best.d) best = { code: p.code, d };
    }
    return {
      availability: best && best.d <= AVAILABILITY_RADIUS_MILES ? 'Available' : 'Unavailable',
      provider,
      nearestPop: best?.code ?? null,
      distanceMiles: best ? Math.round(best.d) : null,
    };
  }

  /** A location's coordinates: its own lat/lon, else the catalog location it names. */
  async coordinates(location: CustomerLocation): Promise<{ lat: number; lon: number }> {
    if (location.lat !== undefined && location.lon !== undefined) return { lat: location.lat, lon: location.lon };
    const all = await this.locations(location.country);
    const match = all.find((l) => l.region.toLowerCase() === (location.region ?? '').toLowerCase()) ?? (all.length === 1 ? all[0] : undefined);
    if (!match) {
      throw rule(`Location ${location.country}${location.region ? `/${location.region}` : ''} is not in the catalog; give its lat and lon`, 'location');
    }
    return match;
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
