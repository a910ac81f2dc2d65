// SPDX-License-Identifier: Apache-2.0
// Compliance (GET /compliance): per template (each framework the checks'
// controls belong to: NIST 800-190, PCI DSS, HIPAA, GDPR; a control fails
// when one of its checks warns on some node), per check (its result on
// every reporting node, the evidence where it fails), the reports
// (`moat comply docker --console URL --token T` per node), and the
// images' own compliance findings (scans with misconfig checks).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { imageHref } from '../router.js';
import { useLoad, Loaded, Sev, Table, fmtTime, shortDigest } from '../ui.jsx';

const RESULTS = ['WARN', 'PASS', 'INFO', 'NOTE'];

function Results({ r }) {
  return (
    <span class="counts">
      {RESULTS.filter((k) => r[k]).map((k) => <span class={`tag result-${k.toLowerCase()}`}>{r[k]} {k}</span>)}
    </span>
  );
}

function Template({ t }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-expanded={open ? 'true' : 'false'} onClick={() => setOpen(!open)}>
        {open ? 'Hide' : 'Show'} {t.controls.length} controls</button>
      {open && (
        <Table caption={`Controls of ${t.name}`} rows={t.controls} rowKey={(c) => c.id} cols={[
          { label: 'Control', key: 'id' },
          { label: 'Status', cell: (c) => <span class={`tag status-${c.status.toLowerCase()}`}>{c.status}</span> },
          { label: 'Checks', cell: (c) => c.checks.join(', ') },
        ]} />
      )}
    </>
  );
}

const worst = (c) => (c.results.WARN ? 0 : c.results.PASS ? 1 : 2);

export function Compliance() {
  const res = useLoad(() => get('/compliance'), []);
  return (
    <Loaded res={res} what="compliance results">
      {(d) => {
        const checks = [...d.checks].sort((a, b) => worst(a) - worst(b) ||
          a.benchmark.localeCompare(b.benchmark) || a.id.localeCompare(b.id, undefined, { numeric: true }));
        return (
          <>
            <h2>Per template</h2>
            <Table caption="Compliance per template" rows={d.templates} rowKey={(t) => t.name}
              empty="No compliance reports yet: run moat comply docker --console URL --token T on a node." cols={[
                { label: 'Template', key: 'name' },
                { label: 'Failed controls', cell: (t) => t.summary.FAIL, cls: 'num' },
                { label: 'Passed controls', cell: (t) => t.summary.PASS, cls: 'num' },
                { label: 'To review', cell: (t) => t.summary.REVIEW, cls: 'num' },
                { label: 'Controls', cell: (t) => <Template t={t} /> },
              ]} />
            <h2>Per check</h2>
            <Table caption="Compliance per check" rows={checks} rowKey={(c) => c.benchmark + c.id} limit={150}
              empty="No checks reported." cols={[
                { label: 'Check', cls: 'nowrap', key: 'id' },
                { label: 'Benchmark', key: 'benchmark' },
                { label: 'Title', key: 'title' },
                { label: 'Results', cell: (c) => <Results r={c.results} /> },
                { label: 'Failing on', cell: (c) => c.failing.map((f) => (
                  <span class="chip" title={f.evidence || ''}>{f.node}{f.evidence ? `: ${f.evidence}` : ''}</span>)) },
                { label: 'Controls', cell: (c) => c.controls.length },
              ]} />
            <h2>Reports</h2>
            <Table caption="Compliance reports" rows={d.reports} rowKey={(r) => r.id} empty="No reports." cols={[
              { label: 'Node', key: 'node' },
              { label: 'Benchmark', key: 'benchmark' },
              { label: 'Target', cell: (r) => <code>{r.target}</code> },
              { label: 'Summary', cell: (r) => <Results r={r.summary} /> },
              { label: 'Received', cell: (r) => fmtTime(r.received) },
            ]} />
            <h2>Image checks</h2>
            <Table caption="Image compliance checks" rows={d.image_checks} rowKey={(c) => c.id}
              empty="No compliance findings in any scan (scan with --scanners misconfig to check images)." cols={[
                { label: 'Check', key: 'id' },
                { label: 'Severity', cell: (c) => <Sev s={c.severity} /> },
                { label: 'Title', key: 'title' },
                { label: 'References', cell: (c) => c.references.join(', ') },
                { label: 'Images failing', cell: (c) => c.images.map((i) => <a class="chip" href={imageHref(i.digest)}>{i.ref || shortDigest(i.digest)}</a>) },
              ]} />
          </>
        );
      }}
    </Loaded>
  );
}
