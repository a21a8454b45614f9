// Catalog reads for customers choosing a provider: countries, locations, providers, availability.
import { Type } from '@sinclair/typebox';
import { ANY_KEY, type Ctx, route } from '../route.js';
import * as S from '../schemas.js';

export function catalogRoutes(ctx: Ctx): void {
  const { catalog } = ctx.registry;
  route(ctx, {
    method: 'GET',
    url: '/v1/catalog/countries',
    tag: 'catalog',
    summary: 'Countries with operator PoPs',
    access: ANY_KEY,
    response: { 200: Type.Object({ items: Type.Array(S.CatalogCountry) }) },
    handler: async () => ({ items: await catalog.countries() }),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/catalog/locations',
    tag: 'catalog',
    summary: 'Customer locations (country, region) served, optionally for one country',
    access: ANY_KEY,
    querystring: Type.Object({ country: Type.Optional(S.Country) }, { additionalProperties: false }),
    response: { 200: Type.Object({ items: Type.Array(S.CatalogLocation) }) },
    handler: async (req) => ({ items: await catalog.locations(req.query.country) }),
  });
  route(ctx, {
    method: 'GET',
    url: '/v1/catalog/providers',
    tag: 'catalog',
    summary: 'Providers with an Active peering, and the PoPs where they peer',
    access: ANY_KEY,
    response: { 200: Type.Object({ items: Type.Array(S.CatalogProvider) }) },
    handler: async () => ({ items: await catalog.providers() }),
  });
  route(ctx, {
    method: 'POST',
    url: '/v1/catalog/availability',
    tag: 'catalog',
    access: ANY_KEY,
    summary: 'Is the provider available to this location? (an Active peering at a PoP within 1000 miles)',
    body: S.AvailabilityQuery,
    response: { 200: S.Availability },
    handler: async (req) => catalog.availability(req.body.provider, req.body.location),
  });
}
