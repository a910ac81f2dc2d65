// SPDX-License-Identifier: Apache-2.0
// Deterministic radar placement: a node's place comes from a hash of its
// id, never from a force simulation or the order the API lists nodes in,
// so a refresh (or a new node elsewhere) leaves every known node where it
// was. Images take cells of a grid, external addresses slots on a ring
// around it, the host the middle. A collision moves the node that sorts
// later to the next free cell (linear probing in id order), so the result
// does not depend on the answer's order either.

export const WIDTH = 1000;
export const HEIGHT = 640;

// FNV-1a, 32 bits: small, stable across browsers.
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// Grids grow in steps (not with every node) so positions stay put until a
// radar grows past a step; each keeps at least 3 cells per node.
const GRIDS = [[6, 4], [9, 6], [12, 8], [18, 12], [24, 16], [36, 24]];

function pickGrid(n) {
  for (const g of GRIDS) if (g[0] * g[1] >= 3 * n + 4) return g;
  return GRIDS[GRIDS.length - 1];
}

function place(ids, slots, taken) {
  const out = new Map();
  for (const id of [...ids].sort()) {
    let s = hash32(id) % slots;
    for (let k = 0; k < slots && taken.has(s); k++) s = (s + 1) % slots;
    taken.add(s);
    out.set(id, s);
  }
  return out;
}

// layout(nodes) -> Map id -> {x, y}
export function layout(nodes) {
  const pos = new Map();
  const images = nodes.filter((n) => n.kind !== 'external' && n.kind !== 'host');
  const externals = nodes.filter((n) => n.kind === 'external');
  const hosts = nodes.filter((n) => n.kind === 'host');

  // Images: an inner box, cells left free around the centre for the host.
  const [cols, rows] = pickGrid(images.length);
  const box = { x: 150, y: 90, w: WIDTH - 300, h: HEIGHT - 180 };
  const cw = box.w / cols, ch = box.h / rows;
  const centre = new Set();
  const cc = Math.floor(cols / 2), cr = Math.floor(rows / 2);
  if (hosts.length) centre.add(cr * cols + cc);
  const cells = place(images.map((n) => n.id), cols * rows, centre);
  for (const n of images) {
    const c = cells.get(n.id);
    const col = c % cols, row = Math.floor(c / cols);
    // Odd rows are shifted half a cell so edges do not run along a row.
    const shift = row % 2 ? cw / 4 : -cw / 4;
    pos.set(n.id, { x: box.x + (col + 0.5) * cw + shift, y: box.y + (row + 0.5) * ch });
  }

  hosts.forEach((n, i) => {
    pos.set(n.id, { x: box.x + (cc + 0.5) * cw + (i * 40), y: box.y + (cr + 0.5) * ch });
  });

  // External addresses: slots on an ellipse around the grid.
  const slots = Math.max(24, 2 * externals.length);
  const ring = place(externals.map((n) => n.id), slots, new Set());
  for (const n of externals) {
    const a = (2 * Math.PI * ring.get(n.id)) / slots;
    pos.set(n.id, { x: WIDTH / 2 + (WIDTH / 2 - 50) * Math.cos(a), y: HEIGHT / 2 + (HEIGHT / 2 - 35) * Math.sin(a) });
  }
  return pos;
}
