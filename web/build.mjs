// SPDX-License-Identifier: Apache-2.0
// Bundles src/ into dist/ (index.html, app.js, app.css) with esbuild: one
// script, no CDN, nothing loaded from elsewhere at run time. `--watch`
// rebuilds on change (for working on the UI against a running console).
import * as esbuild from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

const watch = process.argv.includes('--watch');
const here = new URL('.', import.meta.url).pathname;
const dist = here + 'dist';

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await copyFile(here + 'src/index.html', dist + '/index.html');

const options = {
  entryPoints: { app: here + 'src/main.jsx' },
  bundle: true,
  outdir: dist,
  format: 'esm',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  legalComments: 'none',
  logLevel: 'warning',
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('web: watching src/ (dist/ rebuilt on change)');
} else {
  const r = await esbuild.build({ ...options, metafile: true });
  for (const [name, out] of Object.entries(r.metafile.outputs))
    console.log(`web: ${name.replace(here, '')} ${out.bytes} bytes`);
}
