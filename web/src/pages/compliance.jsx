// SPDX-License-Identifier: Apache-2.0
// Compliance across images, per check (how many images fail it) and per
// template (a benchmark or rule set: the finding's `templates` when the
// scan names them, else the families its references belong to, e.g.
// cis-docker:4.1 -> cis-docker).
import { imageHref } from '../router.js';
import { allImageDetails, isCompliance } from '../details.js';
import { useLoad, Loaded, Sev, Table, imageName, sevRank } from '../ui.jsx';

function templatesOf(f) {
  if (Array.isArray(f.templates) && f.templates.length) return f.templates;
  if (f.template) return [f.template];
  const fam = new Set((f.references || []).map((r) => String(r).split(':')[0]));
  return fam.size ? [...fam] : ['moat'];
}

function summarise(details) {
  const checks = new Map(), templates = new Map();
  for (const d of details) {
    const name = imageName(d.image);
    for (const f of d.findings || []) {
      if (!isCompliance(f)) continue;
      let c = checks.get(f.id);
      if (!c) checks.set(f.id, c = { id: f.id, title: f.title, severity: f.severity, images: new Map(), refs: f.references || [] });
      c.images.set(d.image.digest, name);
      for (const t of templatesOf(f)) {
        let e = templates.get(t);
        if (!e) templates.set(t, e = { name: t, checks: new Set(), images: new Set() });
        e.checks.add(f.id);
        e.images.add(d.image.digest);
      }
    }
  }
  return {
    images: details.length,
    checks: [...checks.values()].sort((a, b) => sevRank(a.severity) - sevRank(b.severity) || a.id.localeCompare(b.id)),
    templates: [...templates.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export function Compliance() {
  const res = useLoad(allImageDetails, []);
  return (
    <Loaded res={res} what="compliance results">
      {(details) => {
        const s = summarise(details);
        return (
          <>
            <h2>Per template</h2>
            <Table caption="Compliance per template" rows={s.templates} rowKey={(t) => t.name}
              empty="No compliance findings in any scan (scan with --scanners misconfig to check images)." cols={[
                { label: 'Template', key: 'name' },
                { label: 'Failed checks', cell: (t) => t.checks.size, cls: 'num' },
                { label: 'Images failing', cell: (t) => `${t.images.size} of ${s.images}`, cls: 'num' },
              ]} />
            <h2>Per check</h2>
            <Table caption="Compliance per check" rows={s.checks} rowKey={(c) => c.id}
              empty="No failed checks." cols={[
                { label: 'Check', key: 'id' },
                { label: 'Severity', cell: (c) => <Sev s={c.severity} /> },
                { label: 'Title', key: 'title' },
                { label: 'References', cell: (c) => c.refs.join(', ') },
                { label: 'Images failing', cell: (c) => [...c.images].map(([d, n]) => <a class="chip" href={imageHref(d)}>{n}</a>) },
              ]} />
          </>
        );
      }}
    </Loaded>
  );
}
