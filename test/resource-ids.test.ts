// The registry's resource ids: one format and one parse per kind, and nothing else accepted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  customerPrefixId,
  isPeeringOf,
  parseCustomerPrefixId,
  parsePeeringId,
  parseRegisteredPrefixId,
  peeringId,
  registeredPrefixId,
} from '../src/registry/resource-ids.js';

test('each id kind formats its parts and parses back to them', () => {
  assert.equal(peeringId({ partner: 'nordlink', peering: 'nordlink-ams' }), 'nordlink/nordlink-ams');
  assert.deepEqual(parsePeeringId('nordlink/nordlink-ams'), { partner: 'nordlink', peering: 'nordlink-ams' });
  const reg = { partner: 'nordlink', peering: 'nordlink-ams', name: 'p1' };
  assert.equal(registeredPrefixId(reg), 'nordlink/nordlink-ams/p1');
  assert.deepEqual(parseRegisteredPrefixId(registeredPrefixId(reg)), reg);
  const cust = { customer: 'contoso', service: 'contoso-eu', name: 'hq' };
  assert.equal(customerPrefixId(cust), 'contoso/contoso-eu/hq');
  assert.deepEqual(parseCustomerPrefixId(customerPrefixId(cust)), cust);
});

test('a malformed id is an error, not parts', () => {
  for (const id of ['nordlink', 'nordlink/', '/nordlink-ams', 'nordlink/nordlink-ams/p1', '']) assert.throws(() => parsePeeringId(id), /not a peering id/, id);
  for (const id of ['a/b', 'a/b/c/d', 'a//c']) {
    assert.throws(() => parseRegisteredPrefixId(id), /not a registered prefix id/, id);
    assert.throws(() => parseCustomerPrefixId(id), /not a customer prefix id/, id);
  }
});

test("isPeeringOf tells a partner's peerings from another's without taking the id apart", () => {
  assert.equal(isPeeringOf('nordlink/nordlink-ams', 'nordlink'), true);
  assert.equal(isPeeringOf('nordlink2/x', 'nordlink'), false);
  assert.equal(isPeeringOf('nord/x', 'nordlink'), false);
  assert.equal(isPeeringOf('nordlink/', 'nordlink'), false);
  assert.equal(isPeeringOf('apex-ix/apex-fra', 'nordlink'), false);
});
