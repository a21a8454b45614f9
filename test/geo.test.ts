// Unit tests for great-circle distance (src/registry/geo.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AVAILABILITY_RADIUS_MILES, distanceMiles } from '../src/registry/geo.js';

/** |got - want| within `pct` percent of `want`. */
function near(got: number, want: number, pct: number, label: string): void {
  assert.ok(Number.isFinite(got), `${label}: ${got} is finite`);
  assert.ok(Math.abs(got - want) <= (want * pct) / 100, `${label}: ${got.toFixed(1)} mi, want ${want} mi ±${pct}%`);
}

const HALF_CIRCUMFERENCE = Math.PI * 3958.8; // ≈ 12,436.6 mi (mean Earth radius)

const CITIES: Record<string, [number, number]> = {
  newYork: [40.71, -74.01],
  london: [51.51, -0.13],
  amsterdam: [52.37, 4.9],
  frankfurt: [50.11, 8.68],
  sydney: [-33.87, 151.21],
  auckland: [-36.85, 174.76],
  tokyo: [35.68, 139.69],
  saoPaulo: [-23.55, -46.63],
};

describe('distanceMiles', () => {
  test('zero for the same point', () => {
    for (const [lat, lon] of [...Object.values(CITIES), [0, 0], [90, 0], [-90, 123], [0, 180]] as Array<[number, number]>) {
      assert.equal(distanceMiles(lat, lon, lat, lon), 0, `${lat},${lon}`);
    }
    // The same pole named with different longitudes is still one point.
    assert.ok(distanceMiles(90, 0, 90, 120) < 1e-6);
    // 180 and -180 are the same meridian.
    assert.ok(distanceMiles(10, 180, 10, -180) < 1e-6);
  });

  test('symmetric', () => {
    const pts = Object.values(CITIES);
    for (const [a1, o1] of pts)
      for (const [a2, o2] of pts) {
        assert.ok(Math.abs(distanceMiles(a1, o1, a2, o2) - distanceMiles(a2, o2, a1, o1)) < 1e-9, `${a1},${o1} / ${a2},${o2}`);
      }
  });

  test('known city pairs within 1%', () => {
    const d = (a: string, b: string) => distanceMiles(...CITIES[a]!, ...CITIES[b]!);
    near(d('newYork', 'london'), 3461, 1, 'New York - London');
    near(d('amsterdam', 'frankfurt'), 227, 1, 'Amsterdam - Frankfurt');
    near(d('sydney', 'auckland'), 1343, 1, 'Sydney - Auckland');
    near(d('tokyo', 'saoPaulo'), 11520, 1, 'Tokyo - Sao Paulo');
  });

  test('antipodes are half the circumference apart', () => {
    near(distanceMiles(0, 0, 0, 180), 12436, 0.1, 'equator 0 / 180');
    near(distanceMiles(90, 0, -90, 0), 12436, 0.1, 'pole to pole');
    near(distanceMiles(40.71, -74.01, -40.71, 105.99), 12436, 0.1, 'New York antipode');
    assert.ok(Math.abs(distanceMiles(0, 0, 0, 180) - HALF_CIRCUMFERENCE) < 1e-6);
    // Nothing is farther than the antipode.
    for (const [a1, o1] of Object.values(CITIES))
      for (const [a2, o2] of Object.values(CITIES)) {
        assert.ok(distanceMiles(a1, o1, a2, o2) <= HALF_CIRCUMFERENCE + 1e-6);
      }
  });

  test('crossing the antimeridian takes the short way', () => {
    // One degree of arc on a great circle is 2*pi*R/360 ≈ 69.09 mi.
    const degree = HALF_CIRCUMFERENCE / 180;
    near(distanceMiles(0, 179, 0, -179), 2 * degree, 0.1, '179E - 179W on the equator');
    near(distanceMiles(0, -179.5, 0, 179.5), degree, 0.1, '179.5W - 179.5E on the equator');
    // Fiji (Suva) to Samoa (Apia) ≈ 715 mi across the antimeridian.
    near(distanceMiles(-18.14, 178.44, -13.83, -171.76), 715, 1, 'Suva - Apia');
    // Longitudes given outside [-180, 180] wrap.
    assert.ok(Math.abs(distanceMiles(0, 179, 0, 181) - distanceMiles(0, 179, 0, -179)) < 1e-6);
  });

  test('one degree of latitude and the availability radius', () => {
    near(distanceMiles(0, 0, 1, 0), 69.09, 0.1, 'one degree of latitude');
    near(distanceMiles(60, 0, 60, 1), 34.55, 0.2, 'one degree of longitude at 60N');
    assert.equal(AVAILABILITY_RADIUS_MILES, 1000);
    // Amsterdam - Frankfurt is inside the radius, New York - London is not.
    assert.ok(distanceMiles(...CITIES.amsterdam!, ...CITIES.frankfurt!) < AVAILABILITY_RADIUS_MILES);
    assert.ok(distanceMiles(...CITIES.newYork!, ...CITIES.london!) > AVAILABILITY_RADIUS_MILES);
  });
});
