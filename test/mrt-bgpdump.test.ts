// The mrtparse samples and a RIS update file print the same as the installed bgpdump (run live).

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { BGPDUMP_DATA, bgpdump, firstDifference, format, mrtparseFiles, TESTDATA } from './helpers/mrt.js';

const files = [...mrtparseFiles(), path.join(TESTDATA, 'bgpstream', 'ris.rrc06.updates.1427846400.gz')];

for (const file of files) {
  test(`bgpdump -m: ${path.basename(file)}`, async () => {
    const expected = bgpdump('-m', file);
    const ours = await format(file, 'm');
    assert.deepEqual(ours.errors, []);
    if (ours.text !== expected) assert.fail(firstDifference(ours.text, expected));
  });
}

for (const file of [...files, path.join(BGPDUMP_DATA, 'bview.ipv6_unicast_add_path.gz'), path.join(BGPDUMP_DATA, 'updates.20160811.1600.gz')]) {
  test(`bgpdump -M: ${path.basename(file)}`, async () => {
    const expected = bgpdump('-M', file);
    const ours = await format(file, 'M');
    if (ours.text !== expected) assert.fail(firstDifference(ours.text, expected));
  });
}

test('nlri_mask_trailing_bits: bgpdump 1.6.2 prints the prefix unmasked, as we do by default', async () => {
  const file = path.join(BGPDUMP_DATA, 'updates.nlri_mask_trailing_bits.gz');
  const ours = await format(file, 'm');
  assert.equal(ours.text, bgpdump('-m', file));
  assert.match(ours.text, /\|11\.13\.0\.0\/13\|/);
  assert.match((await format(file, 'm', true)).text, /\|11\.8\.0\.0\/13\|/);
});

test('records bgpdump does not print are named, not silently dropped', async () => {
  const ours = await format(path.join(TESTDATA, 'mrtparse', 'openbgpd_rib_table-mp'), 'm');
  assert.equal(ours.text, '');
  assert.equal(ours.skipped.length, 31);
  assert.match(ours.skipped[0]!, /BGP4MP\/ENTRY|not supported/);
  const v2 = await format(path.join(TESTDATA, 'mrtparse', 'openbgpd_rib_table-v2'), 'm');
  assert.ok(v2.skipped.some((s) => /RIB_GENERIC/.test(s)));
});
