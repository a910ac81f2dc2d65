// SPDX-License-Identifier: Apache-2.0
// Vulnerabilities by image (from /images) and by CVE (GET /vulnerabilities,
// across every image).
import { useEffect, useState } from 'preact/hooks';
import { get, query } from '../api.js';
import { imageHref } from '../router.js';
import { useLoad, Loaded, Sev, Risk, Table, Counts, fmtTime, imageName, imageSeverity, IMAGE_SEVERITY_ORDER, plural,
  shortDigest } from '../ui.jsx';

// As the radar orders colours: an image of unrated findings above one of low ones.
const imageRank = (i) => {
  const k = IMAGE_SEVERITY_ORDER.indexOf(imageSeverity(i));
  return k < 0 ? IMAGE_SEVERITY_ORDER.length : k;
};

export function VulnsByImage() {
  const res = useLoad(() => get('/images'), []);
  return (
    <Loaded res={res} what="images">
      {({ images }) => (
        <Table caption="Images" rowKey={(i) => i.digest}
          rows={[...images].sort((a, b) => imageRank(a) - imageRank(b) ||
            (Number(b.risk_max) || 0) - (Number(a.risk_max) || 0) || imageName(a).localeCompare(imageName(b)))}
          empty="No images yet: upload a scan with moat scan --console URL --token T IMAGE." cols={[
            { label: 'Image', cell: (i) => <a href={imageHref(i.digest)}>{imageName(i)}</a> },
            { label: 'OS', key: 'os' },
            { label: 'Highest severity', cell: (i) => <Sev s={imageSeverity(i)} /> },
            { label: 'Top risk', cell: (i) => (typeof i.risk_max === 'number'
              ? <Risk score={i.risk_max} scan={i.risk_max_scan} raised={i.environment && i.environment.raised_by} /> : '') },
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

// Across images, grouped by CVE on the server (GET /vulnerabilities): the
// search runs there too, so it covers every image, not a page of them.
export function VulnsByCve({ params }) {
  const [filter, setFilter] = useState((params && params.q) || '');
  const [q, setQ] = useState(filter);
  const res = useLoad(() => get('/vulnerabilities' + query({ q, limit: 500 })), [q]);
  useEffect(() => {
    const t = setTimeout(() => setQ(filter.trim()), 250);
    return () => clearTimeout(t);
  }, [filter]);
  return (
    <>
      <label class="inline">Find CVE or package
        <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
      </label>
      <Loaded res={res} what="vulnerabilities">
        {(d) => (
          <>
            <p class="muted" role="status">{plural(d.total, 'CVE')}{d.total > d.vulnerabilities.length ? `, the first ${d.vulnerabilities.length} shown` : ''}</p>
            <Table caption="Vulnerabilities by CVE" rows={d.vulnerabilities} rowKey={(e) => e.id}
              empty={q ? 'No CVE or package matches.' : 'No vulnerabilities.'} cols={[
                { label: 'CVE', cls: 'nowrap', cell: (e) => <>{e.id}{e.kev && <span class="tag kev" title="in CISA KEV">KEV</span>}</> },
                { label: 'Severity', cell: (e) => <Sev s={e.severity} /> },
                { label: 'CVSS', cell: (e) => (e.cvss && e.cvss.score != null ? e.cvss.score.toFixed(1) : ''), cls: 'num' },
                { label: 'Top risk', cell: (e) => e.risk_max, cls: 'num' },
                { label: 'Packages', cell: (e) => e.packages.join(', ') },
                { label: 'Fixed in', cell: (e) => [...new Set(e.images.map((i) => i.fixed_version).filter(Boolean))].join(', ') || 'no fix' },
                { label: 'Images', cell: (e) => e.images.map((i) => (
                  <a class="chip" href={imageHref(i.digest)} title={`risk ${i.risk}${i.risk_raised_by.length ? ', raised by ' + i.risk_raised_by.join(', ') : ''}`}>
                    {i.ref || shortDigest(i.digest)}</a>)) },
                { label: 'In images', cell: (e) => e.images_count, cls: 'num' },
              ]} />
          </>
        )}
      </Loaded>
    </>
  );
}
