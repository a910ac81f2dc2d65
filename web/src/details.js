// SPDX-License-Identifier: Apache-2.0
// Every image's details (findings with layer and owner), fetched a few at a
// time: the views across images (by CVE, compliance) are built from these,
// as the API has no cross-image findings list.
import { get } from './api.js';

const PARALLEL = 4;
const MAX_IMAGES = 500;

export async function allImageDetails() {
  const { images } = await get('/images?limit=' + MAX_IMAGES);
  const out = new Array(images.length);
  let next = 0;
  async function worker() {
    while (next < images.length) {
      const i = next++;
      out[i] = await get('/images/' + encodeURIComponent(images[i].digest));
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, images.length) }, worker));
  return out;
}

export const isVuln = (f) => f.kind === 'vuln' || f.kind === 'vulnerability';
export const isCompliance = (f) => f.kind === 'misconfig' || f.kind === 'compliance';
