// SPDX-License-Identifier: Apache-2.0
// The radar: every image as a node (shape: Kubernetes-managed or
// standalone; colour: highest risk; halo: runtime incidents; badge: running
// containers), observed connections as edges, external addresses and the
// host around them. Positions come from radar-layout.js (hashed ids), so
// the picture is the same after a refresh. A table under the picture says
// the same in text (for screen readers, and for tests to read).
import { useEffect } from 'preact/hooks';
import { get } from '../api.js';
import { imageHref, go } from '../router.js';
import { layout, WIDTH, HEIGHT } from '../radar-layout.js';
import { useLoad, Loaded, Sev, Risk, Table, shortDigest } from '../ui.jsx';

const REFRESH_MS = 15000;

export function nodeLabel(n) {
  if (n.kind === 'host') return 'host';
  if (n.kind === 'external') return n.id.replace(/^external:/, '');
  return n.image || shortDigest(n.digest) || n.id;
}

// Long references would run into the neighbours' labels: keep the tail
// (the name and tag), the full text is in the node's title and the tables.
const clip = (s) => (s.length > 28 ? '…' + s.slice(-27) : s);

function describe(n) {
  if (n.kind !== 'image') return `${n.kind} ${nodeLabel(n)}`;
  const raised = (n.risk_raised_by || []).length ? `, raised by ${n.risk_raised_by.join(' ')}` : '';
  return `image ${nodeLabel(n)}, ${n.k8s ? 'Kubernetes-managed' : 'standalone'}, ` +
    `highest risk ${n.severity || 'none'}, risk score ${n.risk_max || 0}${raised}, ` +
    `${n.containers_running || 0} running, ${n.incidents || 0} incidents`;
}

// Heptagon for Kubernetes-managed images, a rounded box for standalone ones.
function heptagon(r) {
  const pts = [];
  for (let i = 0; i < 7; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / 7;
    pts.push(`${(r * Math.cos(a)).toFixed(1)},${(r * Math.sin(a)).toFixed(1)}`);
  }
  return pts.join(' ');
}

// Icons drawn in SVG (no font has them everywhere): a ship's wheel for
// Kubernetes, a container box for a standalone engine.
export function HelmIcon() {
  const spokes = [];
  for (let i = 0; i < 7; i++) {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / 7;
    spokes.push(<line x1={(3 * Math.cos(a)).toFixed(1)} y1={(3 * Math.sin(a)).toFixed(1)}
      x2={(11 * Math.cos(a)).toFixed(1)} y2={(11 * Math.sin(a)).toFixed(1)} />);
  }
  return <g class="icon" aria-hidden="true"><circle r="8" />{spokes}</g>;
}

export function BoxIcon() {
  return (
    <g class="icon" aria-hidden="true">
      <path d="M-9,-5 L0,-10 L9,-5 L9,6 L0,11 L-9,6 Z M-9,-5 L0,0 L9,-5 M0,0 L0,11" />
    </g>
  );
}

function MiniIcon({ children }) {
  return <svg class="mini" viewBox="-13 -13 26 26" width="16" height="16" aria-hidden="true">{children}</svg>;
}

function ImageNode({ n, p }) {
  const sev = n.severity || 'none';
  const open = () => n.digest && go('/images/' + encodeURIComponent(n.digest));
  const key = (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } };
  return (
    <g class={`node image sev-${sev} ${n.k8s ? 'k8s' : 'standalone'}`} transform={`translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`}
      role="link" tabindex="0" aria-label={describe(n)} onClick={open} onKeyDown={key}
      data-id={n.id}>
      <title>{describe(n)}</title>
      {n.incidents > 0 && <circle class="halo" r="34" />}
      {n.k8s ? <polygon class="shape" points={heptagon(24)} />
        : <rect class="shape" x="-21" y="-21" width="42" height="42" rx="8" />}
      {n.k8s ? <HelmIcon /> : <BoxIcon />}
      <desc>{n.k8s ? 'Kubernetes-managed' : 'standalone'}</desc>
      {n.containers_running > 0 && (
        <g class="badge" transform="translate(20,-20)">
          <circle r="10" />
          <text y="4" text-anchor="middle">{n.containers_running}</text>
        </g>
      )}
      <text class="label" y="42" text-anchor="middle">{clip(nodeLabel(n))}</text>
    </g>
  );
}

function OtherNode({ n, p }) {
  return (
    <g class={`node ${n.kind}`} transform={`translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`}
      aria-label={describe(n)} role="img" data-id={n.id}>
      <title>{describe(n)}</title>
      {n.kind === 'host' ? <rect class="shape" x="-18" y="-14" width="36" height="28" rx="3" />
        : <circle class="shape" r="12" />}
      <text class="label" y={n.kind === 'host' ? 30 : 26} text-anchor="middle">{clip(nodeLabel(n))}</text>
    </g>
  );
}

function Edge({ e, a, b }) {
  // Stop the line at the node's rim so the arrow head shows.
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  const w = Math.min(6, 1 + Math.log10(1 + (e.count || 1)));
  return (
    <line class="edge" x1={a.x + ux * 28} y1={a.y + uy * 28} x2={b.x - ux * 32} y2={b.y - uy * 32}
      stroke-width={w} marker-end="url(#arrow)">
      <title>{`${e.proto}/${e.port} × ${e.count}`}</title>
    </line>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Legend">
      <li><span class="k sev-critical" />critical</li>
      <li><span class="k sev-high" />high</li>
      <li><span class="k sev-medium" />medium</li>
      <li><span class="k sev-low" />low</li>
      <li><span class="k sev-negligible" />negligible</li>
      <li><span class="k sev-unknown" />unknown (not rated)</li>
      <li><span class="k sev-none" />no findings</li>
      <li><MiniIcon><HelmIcon /></MiniIcon>Kubernetes-managed</li>
      <li><MiniIcon><BoxIcon /></MiniIcon>standalone</li>
      <li><span class="k halo-key" />runtime incidents</li>
      <li><span class="k badge-key">n</span>running containers</li>
    </ul>
  );
}

export function Radar() {
  const res = useLoad(() => get('/radar'), []);
  useEffect(() => {
    const t = setInterval(res.reload, REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  return (
    <section aria-labelledby="radar-title">
      <h1 id="radar-title">Radar</h1>
      <Loaded res={res} what="radar">
        {(data) => <RadarView data={data} />}
      </Loaded>
    </section>
  );
}

function RadarView({ data }) {
  const nodes = data.nodes || [];
  const edges = data.edges || [];
  const pos = layout(nodes);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const images = nodes.filter((n) => n.kind === 'image');
  return (
    <>
      <Legend />
      <div class="radar-wrap">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label="Radar map" class="radar">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6"
              orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrow" />
            </marker>
          </defs>
          <circle class="ring" cx={WIDTH / 2} cy={HEIGHT / 2} r={HEIGHT / 2 - 10} />
          <circle class="ring" cx={WIDTH / 2} cy={HEIGHT / 2} r={HEIGHT / 4} />
          <g class="edges">
            {edges.map((e) => pos.has(e.src) && pos.has(e.dst) &&
              <Edge e={e} a={pos.get(e.src)} b={pos.get(e.dst)} />)}
          </g>
          <g class="nodes">
            {nodes.map((n) => (n.kind === 'image'
              ? <ImageNode n={n} p={pos.get(n.id)} />
              : <OtherNode n={n} p={pos.get(n.id)} />))}
          </g>
        </svg>
        {nodes.length === 0 && (
          <p class="muted">Nothing on the radar yet: upload a scan (<code>moat scan --console URL
            --token T IMAGE</code>) or connect a defender.</p>
        )}
      </div>
      <h2>Images</h2>
      <Table caption="Radar images" rows={images} rowKey={(n) => n.id} cols={[
        { label: 'Image', cell: (n) => n.digest ? <a href={imageHref(n.digest)}>{nodeLabel(n)}</a> : nodeLabel(n) },
        { label: 'Managed by', cell: (n) => (n.k8s ? 'Kubernetes' : 'standalone') },
        { label: 'Highest risk', cell: (n) => <Sev s={n.severity || 'none'} /> },
        { label: 'Risk score', cell: (n) => <Risk score={n.risk_max} scan={n.risk_max_scan} raised={n.risk_raised_by} /> },
        { label: 'Running', key: 'containers_running', cls: 'num' },
        { label: 'Incidents', key: 'incidents', cls: 'num' },
      ]} />
      <h2>Connections</h2>
      <Table caption="Connections" rows={edges} empty="No connections observed yet." cols={[
        { label: 'From', cell: (e) => nodeLabel(byId.get(e.src) || { id: e.src, kind: 'x' }) },
        { label: 'To', cell: (e) => nodeLabel(byId.get(e.dst) || { id: e.dst, kind: 'x' }) },
        { label: 'Port', cell: (e) => `${e.proto}/${e.port}` },
        { label: 'Count', key: 'count', cls: 'num' },
      ]} />
    </>
  );
}
