// SPDX-License-Identifier: Apache-2.0
// Vulnerabilities by image (from /images) and by CVE (across every image's
// findings).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { imageHref } from '../router.js';
import { allImageDetails, isVuln } from '../details.js';
import { useLoad, Loaded, Sev, Table, Counts, fmtTime, imageName, sevRank, imageSeverity } from '../ui.jsx';

export function VulnsByImage() {
  const res = useLoad(() => get('/images'), []);
  return (
    <Loaded res={res} what="images">
      {({ images }) => (
        <Table caption="Images" rowKey={(i) => i.digest}
          rows={[...images].sort((a, b) => sevRank(imageSeverity(a)) - sevRank(imageSeverity(b)) ||
            (Number(b.risk_max) || 0) - (Number(a.risk_max) || 0) || imageName(a).localeCompare(imageName(b)))}
          empty="No images yet: upload a scan with moat scan --console URL --token T IMAGE." cols={[
            { label: 'Image', cell: (i) => <a href={imageHref(i.digest)}>{imageName(i)}</a> },
            { label: 'OS', key: 'os' },
            { label: 'Highest severity', cell: (i) => <Sev s={imageSeverity(i)} /> },
            { label: 'Top risk', cell: (i) => (typeof i.risk_max === 'number' ? i.risk_max : ''), cls: 'num' },
            { label: 'Findings by severity', cell: (i) => <Counts counts={i.counts} /> },
            { label: 'Findings', key: 'findings', cls: 'num' },
            { label: 'Running', key: 'containers_running', cls: 'num' },
            { label: 'Incidents', key: 'incidents', cls: 'num' },
            { label: 'Scanned', cell: (i) => fmtTime(i.scanned_at) },
          ]} />
      )}
    </Loaded>
  );
}

function byCve(details) {
  const m = new Map();
  for (const d of details) {
    for (const f of d.findings || []) {
      if (!isVuln(f)) continue;
      let e = m.get(f.id);
      if (!e) {
        e = { id: f.id, severity: f.severity, packages: new Set(), images: new Map(),
          fixed: new Set(), kev: false, score: null, title: f.title };
        m.set(f.id, e);
      }
      if (sevRank(f.severity) < sevRank(e.severity)) e.severity = f.severity;
      e.packages.add(f.package);
      e.images.set(d.image.digest, imageName(d.image));
      if (f.fixed_version) e.fixed.add(f.fixed_version);
      e.kev = e.kev || !!f.kev;
      const s = f.cvss && f.cvss.score;
      if (s != null && (e.score == null || s > e.score)) e.score = s;
    }
  }
  return [...m.values()].sort((a, b) => sevRank(a.severity) - sevRank(b.severity) ||
    b.images.size - a.images.size || a.id.localeCompare(b.id));
}

export function VulnsByCve() {
  const res = useLoad(allImageDetails, []);
  const [filter, setFilter] = useState('');
  return (
    <Loaded res={res} what="findings">
      {(details) => {
        const f = filter.trim().toLowerCase();
        const rows = byCve(details).filter((e) => !f || e.id.toLowerCase().includes(f) ||
          [...e.packages].some((p) => (p || '').toLowerCase().includes(f)));
        return (
          <>
            <label class="inline">Find CVE or package
              <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
            </label>
            <Table caption="Vulnerabilities by CVE" rows={rows} rowKey={(e) => e.id}
              empty="No vulnerabilities." cols={[
                { label: 'CVE', cell: (e) => <>{e.id}{e.kev && <span class="tag kev" title="in CISA KEV">KEV</span>}</> },
                { label: 'Severity', cell: (e) => <Sev s={e.severity} /> },
                { label: 'CVSS', cell: (e) => (e.score != null ? e.score.toFixed(1) : ''), cls: 'num' },
                { label: 'Packages', cell: (e) => [...e.packages].join(', ') },
                { label: 'Fixed in', cell: (e) => [...e.fixed].join(', ') || 'no fix' },
                { label: 'Images', cell: (e) => [...e.images].map(([d, n]) => <a class="chip" href={imageHref(d)}>{n}</a>) },
              ]} />
          </>
        );
      }}
    </Loaded>
  );
}
