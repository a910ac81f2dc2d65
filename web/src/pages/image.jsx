// SPDX-License-Identifier: Apache-2.0
// One image: its counts, the layer view (each layer's instruction, owner
// base/app, and the findings it introduced), the findings table (which can
// be narrowed to one layer, a severity or an owner), compliance checks,
// packages.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { isVuln, isCompliance } from '../details.js';
import { useLoad, Loaded, Sev, Risk, Table, Counts, fmtTime, imageName, shortDigest, sevRank,
  VULN_SEVERITIES, imageSeverity, plural } from '../ui.jsx';

// The layer index of a finding or package: its own layer_index, else the
// layer whose diff_id it names.
function layerOf(x, layers) {
  if (x.layer_index != null) return x.layer_index;
  const l = layers.find((l) => l.diff_id && l.diff_id === x.layer);
  return l ? l.index : null;
}

function instruction(s) {
  if (!s) return '';
  // Docker's history says "/bin/sh -c #(nop) ADD …" for metadata steps and
  // "/bin/sh -c …" or "RUN /bin/sh -c … # buildkit" for RUN: show the Dockerfile line.
  return s.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/^(RUN )?\/bin\/sh -c /, 'RUN ')
    .replace(/\s*# buildkit$/, '').trim();
}

function LayerView({ layers, findings, selected, onSelect }) {
  return (
    <ol class="layers" aria-label="Layers">
      {layers.map((l) => {
        const mine = findings.filter((f) => f.layerIndex === l.index);
        const counts = {};
        for (const f of mine) if (isVuln(f)) counts[f.severity] = (counts[f.severity] || 0) + 1;
        const other = mine.filter((f) => !isVuln(f)).length;
        const on = selected === l.index;
        return (
          <li class={`layer owner-${l.owner || 'unknown'}${on ? ' selected' : ''}`}>
            <button type="button" aria-pressed={on ? 'true' : 'false'}
              aria-label={`Layer ${l.index}: ${mine.length} findings`}
              onClick={() => onSelect(on ? null : l.index)}>
              <span class="idx">#{l.index}</span>
              <span class={`owner tag owner-${l.owner || 'unknown'}`}>{l.owner || 'unknown'}</span>
              <code class="cmd" title={l.created_by || ''}>{instruction(l.created_by) || '(no history)'}</code>
              <span class="lc">
                {mine.length === 0 ? <span class="muted">no findings</span> : <Counts counts={counts} />}
                {other > 0 && <span class="tag">{other} other</span>}
              </span>
              <span class="digest muted">{shortDigest(l.diff_id)}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function Findings({ findings, layers, layer, setLayer }) {
  const [sev, setSev] = useState('');
  const [owner, setOwner] = useState('');
  const rows = findings.filter((f) => isVuln(f) &&
    (layer == null || f.layerIndex === layer) && (!sev || f.severity === sev) && (!owner || f.owner === owner));
  const caption = layer == null ? 'Vulnerabilities' : `Vulnerabilities introduced by layer ${layer}`;
  return (
    <>
      <div class="filters" role="group" aria-label="Finding filters">
        <label>Severity
          <select value={sev} onChange={(e) => setSev(e.currentTarget.value)}>
            <option value="">any</option>
            {VULN_SEVERITIES.map((s) => <option value={s}>{s}</option>)}
          </select>
        </label>
        <label>Owner
          <select value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
            <option value="">any</option>
            <option value="base">base image</option>
            <option value="app">application</option>
            <option value="unknown">unknown</option>
          </select>
        </label>
        {layer != null && <button type="button" onClick={() => setLayer(null)}>Show all layers</button>}
      </div>
      <p class="muted" role="status">{rows.length} vulnerabilities shown</p>
      <Table caption={caption} rows={rows} limit={100} rowKey={(f) => f.id + f.package + f.installed_version}
        empty="No vulnerabilities here." cols={[
          { label: 'CVE', cls: 'nowrap', cell: (f) => <>{f.id}{f.kev && <span class="tag kev">KEV</span>}</> },
          { label: 'Severity', cell: (f) => <Sev s={f.severity} /> },
          { label: 'Risk', cell: (f) => (f.risk ? <Risk score={f.risk.score} scan={f.risk_scan && f.risk_scan.score}
            raised={f.risk_raised_by} lowered={f.risk_lowered_by} /> : '') },
          { label: 'Package', cell: (f) => `${f.package} ${f.installed_version || ''}` },
          { label: 'Fixed in', cell: (f) => f.fixed_version || (f.status === 'wont-fix' ? "won't fix" : 'no fix') },
          { label: 'Layer', cell: (f) => (f.layerIndex != null ? `#${f.layerIndex}` : ''), cls: 'num' },
          { label: 'Introduced by', cell: (f) => { const c = instruction(f.created_by || (layers[f.layerIndex] || {}).created_by); return <code class="cmd-cell" title={c}>{c}</code>; } },
          { label: 'Owner', cell: (f) => <span class={`tag owner-${f.owner || 'unknown'}`}>{f.owner || 'unknown'}</span> },
        ]} />
    </>
  );
}

function Other({ findings }) {
  const rows = findings.filter((f) => !isVuln(f) && !isCompliance(f));
  if (!rows.length) return null;
  return (
    <>
      <h2>Secrets, passwords and malware</h2>
      <Table caption="Content findings" rows={rows} cols={[
        { label: 'Kind', key: 'kind' },
        { label: 'Rule', key: 'id' },
        { label: 'Severity', cell: (f) => <Sev s={f.severity} /> },
        { label: 'Title', cell: (f) => f.title || f.message },
        { label: 'Path', cell: (f) => (f.path ? <code>/{f.path}{f.line ? `:${f.line}` : ''}</code> : f.source) },
        { label: 'Layer', cell: (f) => (f.layerIndex != null ? `#${f.layerIndex}` : '') },
        { label: 'Owner', key: 'owner' },
      ]} />
    </>
  );
}

function ComplianceChecks({ findings }) {
  const rows = findings.filter(isCompliance).sort((a, b) => sevRank(a.severity) - sevRank(b.severity));
  return (
    <>
      <h2>Compliance</h2>
      <Table caption="Compliance checks" rows={rows} empty="No failed compliance checks in this scan." cols={[
        { label: 'Check', key: 'id' },
        { label: 'Severity', cell: (f) => <Sev s={f.severity} /> },
        { label: 'Title', key: 'title' },
        { label: 'Finding', key: 'message' },
        { label: 'References', cell: (f) => (f.references || []).join(', ') },
        { label: 'Layer', cell: (f) => (f.layerIndex != null ? `#${f.layerIndex}` : '') },
      ]} />
    </>
  );
}

// What the console knows of the image's running containers and alerts.
function envText(e) {
  const parts = [plural(e.containers_running || 0, 'running container')];
  if (e.privileged) parts.push('privileged');
  if (e.runs_as_root === true) parts.push('as root');
  if (e.runs_as_root === false) parts.push('not as root');
  if (e.published_ports) parts.push(`${plural(e.published_ports, 'published port')}${e.internet_facing ? ' (outside the host)' : ''}`);
  parts.push(plural(e.runtime_alerts || 0, 'open runtime alert'));
  return parts.join(', ');
}

export function ImageDetail({ digest }) {
  const res = useLoad(() => get('/images/' + encodeURIComponent(digest)), [digest]);
  const [layer, setLayer] = useState(null);
  return (
    <Loaded res={res} what="image">
      {(d) => {
        const layers = d.layers || [];
        const findings = (d.findings || []).map((f) => ({ ...f, layerIndex: layerOf(f, layers) }));
        const img = d.image;
        const base = layers.filter((l) => l.owner === 'base').length;
        return (
          <section aria-labelledby="image-title">
            <p><a href="#/monitor/images">← all images</a></p>
            <h1 id="image-title">{imageName(img)}</h1>
            <dl class="summary">
              <dt>Digest</dt><dd><code>{img.digest}</code></dd>
              {img.refs && img.refs.length > 1 && <><dt>Also</dt><dd>{img.refs.slice(1).join(', ')}</dd></>}
              <dt>OS</dt><dd>{img.os || 'unknown'}</dd>
              <dt>Scanned</dt><dd>{fmtTime(img.scanned_at)}</dd>
              <dt>Highest severity</dt><dd><Sev s={imageSeverity(img)} /></dd>
              {typeof img.risk_max === 'number' && <><dt>Top risk score</dt><dd>
                <Risk score={img.risk_max} scan={img.risk_max_scan} raised={img.environment && img.environment.raised_by} /> / 100</dd></>}
              {img.environment && <><dt>Where it runs</dt><dd aria-label="Environment">{envText(img.environment)}</dd></>}
              <dt>Findings by severity</dt><dd><Counts counts={img.counts} /></dd>
              <dt>Running</dt><dd>{plural(img.containers_running || 0, 'container')}{img.k8s ? ' (Kubernetes)' : ''}</dd>
              <dt>Incidents</dt><dd>{img.incidents || 0}</dd>
              <dt>Layers</dt><dd>{layers.length} ({base} from the base image, {layers.length - base} above it)</dd>
            </dl>
            <h2 id="layers-title">Layers</h2>
            <p class="muted">Each layer's instruction, who owns it (base image or application) and the
              findings it introduced. Select a layer to see only its findings.</p>
            <LayerView layers={layers} findings={findings} selected={layer} onSelect={setLayer} />
            <h2>Vulnerabilities</h2>
            <Findings findings={findings} layers={layers} layer={layer} setLayer={setLayer} />
            <ComplianceChecks findings={findings} />
            <Other findings={findings} />
            <h2>Packages</h2>
            <details>
              <summary>{(d.packages || []).length} packages</summary>
              <Table caption="Packages" rows={d.packages || []} limit={200} cols={[
                { label: 'Name', key: 'name' },
                { label: 'Version', key: 'version' },
                { label: 'Type', key: 'type' },
                { label: 'Layer', cell: (p) => { const i = layerOf(p, layers); return i != null ? `#${i}` : ''; } },
                { label: 'Found in', key: 'found_in' },
              ]} />
            </details>
          </section>
        );
      }}
    </Loaded>
  );
}
