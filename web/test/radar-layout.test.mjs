// SPDX-License-Identifier: Apache-2.0
// The radar's placement is a function of the node ids alone: the same
// nodes in any order land in the same places, no two images share a cell,
// a node added elsewhere leaves the others where they were (within a grid
// step), and everything stays inside the picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layout, hash32, WIDTH, HEIGHT } from '../src/radar-layout.js';

const img = (i) => ({ id: `image:sha256:${hash32('img' + i).toString(16).padStart(8, '0')}${i}`, kind: 'image' });
const nodes = (n) => [
  ...Array.from({ length: n }, (_, i) => img(i)),
  { id: 'host', kind: 'host' },
  { id: 'external:93.184.216.34', kind: 'external' },
  { id: 'external:10.0.0.9', kind: 'external' },
];
const key = (p) => `${p.x.toFixed(3)},${p.y.toFixed(3)}`;

test('hash32 is FNV-1a', () => {
  assert.equal(hash32(''), 0x811c9dc5);
  assert.equal(hash32('a'), 0xe40c292c);
});

test('order of the answer does not matter', () => {
  const ns = nodes(7);
  const a = layout(ns), b = layout([...ns].reverse());
  for (const n of ns) assert.equal(key(a.get(n.id)), key(b.get(n.id)), n.id);
});

test('no two nodes share a place, all inside the picture', () => {
  for (const count of [1, 5, 12, 40, 150]) {
    const ns = nodes(count);
    const pos = layout(ns);
    const seen = new Set();
    for (const n of ns) {
      const p = pos.get(n.id);
      assert.ok(p.x > 0 && p.x < WIDTH && p.y > 0 && p.y < HEIGHT, `${n.id} at ${key(p)}`);
      assert.ok(!seen.has(key(p)), `${count} nodes: two at ${key(p)}`);
      seen.add(key(p));
    }
  }
});

test('a new node leaves the others in place (same grid step)', () => {
  const before = layout(nodes(4));
  const after = layout([...nodes(4), img(99)]);
  let moved = 0;
  for (const n of nodes(4)) if (key(before.get(n.id)) !== key(after.get(n.id))) moved++;
  // Only a node whose cell the newcomer took first can move.
  assert.ok(moved <= 1, `${moved} nodes moved`);
});
