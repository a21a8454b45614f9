// Every bgpdump regression file prints exactly its golden `bgpdump -vm` output.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { BGPDUMP_DATA, BGPDUMP_EXPECT, firstDifference, format } from './helpers/mrt.js';

for (const name of fs.readdirSync(BGPDUMP_DATA).sort()) {
  test(`golden: ${name}`, async () => {
    const expected = zlib.gunzipSync(fs.readFileSync(path.join(BGPDUMP_EXPECT, `${name}.bgp.gz`))).toString('latin1');
    // The golden files come from a bgpdump that masks host bits (see PROVENANCE.md).
    const ours = await format(path.join(BGPDUMP_DATA, name), 'm', true);
    assert.deepEqual(ours.errors, []);
    if (ours.text !== expected) assert.fail(`${name}: ${firstDifference(ours.text, expected)}`);
  });
}
