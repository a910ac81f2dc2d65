// SPDX-License-Identifier: Apache-2.0
// Small shared pieces: data loading, severity badges, tables, time and
// digest formatting. Every page builds on these so the markup (roles,
// labels, captions) stays the same everywhere.
import { useEffect, useState, useCallback } from 'preact/hooks';

// useLoad(fn, deps): runs the async fn, gives {data, error, loading, reload}.
// A later call wins over an earlier one still in flight.
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => { live = false; };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Loading({ what }) {
  return <p class="muted" role="status" aria-live="polite">Loading {what}…</p>;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return <p class="error" role="alert">{error.message || String(error)}</p>;
}

// Show loading / error / the content of a useLoad result.
export function Loaded({ res, what, children }) {
  if (res.error) return <ErrorBox error={res.error} />;
  if (res.loading && !res.data) return <Loading what={what} />;
  return children(res.data);
}

// Ordered worst first; alert severities (info..critical) and vulnerability
// severities (negligible..critical) share one scale for sorting and colour.
export const SEVERITIES = ['critical', 'high', 'error', 'medium', 'warning', 'low', 'notice',
  'negligible', 'info', 'unknown', 'none'];
export const VULN_SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];

export function sevRank(s) {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
}

export function Sev({ s }) {
  const v = s || 'unknown';
  return <span class={`sev sev-${v}`}>{v}</span>;
}

// An image's highest severity, as the radar colours it (the API's
// top_severity): an unrated finding ("unknown") ranks above low, as the
// risk model weighs it, so an image of unrated flaws is grey, never "low".
export const IMAGE_SEVERITY_ORDER = ['critical', 'high', 'medium', 'unknown', 'low', 'negligible'];
export function imageSeverity(img) {
  if (!img) return 'none';
  if (typeof img.severity === 'string') return img.severity;
  const c = img.counts || {};
  return IMAGE_SEVERITY_ORDER.find((s) => c[s] > 0) || 'none';
}

// A finding's or image's risk score with the environment factors that
// moved it since the scan (the console scores again where the image runs).
export function Risk({ score, scan, raised, lowered }) {
  if (score == null) return null;
  return (
    <span class="risk-cell">
      {score}
      {scan != null && scan !== score && <span class="muted" title="score at scan time"> (scan {scan})</span>}
      {(raised || []).map((f) => <span class="tag raised" title="raised by where it runs">↑ {f}</span>)}
      {(lowered || []).map((f) => <span class="tag lowered" title="lowered by where it runs">↓ {f}</span>)}
    </span>
  );
}

export const plural = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;

export function shortDigest(d) {
  if (!d) return '';
  const m = /^sha256:([0-9a-f]{12})/.exec(d);
  return m ? m[1] : d;
}

export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  if (isNaN(d)) return t;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function imageName(img) {
  if (!img) return '';
  return (img.refs && img.refs[0]) || shortDigest(img.digest);
}

// A table with a caption (its accessible name) and column headers.
// With `limit`, long tables show that many rows and a button for the rest.
export function Table({ caption, cols, rows, empty, rowKey, limit }) {
  const [all, setAll] = useState(false);
  if (!rows || rows.length === 0)
    return <p class="muted" aria-label={caption}>{empty || `No ${caption.toLowerCase()}.`}</p>;
  const shown = limit && !all ? rows.slice(0, limit) : rows;
  return (
    <>
      <table aria-label={caption}>
        <caption class="sr-only">{caption}</caption>
        <thead><tr>{cols.map((c) => <th scope="col">{c.label}</th>)}</tr></thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={rowKey ? rowKey(r) : i}>
              {cols.map((c) => <td class={c.cls}>{c.cell ? c.cell(r) : r[c.key]}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length < rows.length && (
        <p><button type="button" onClick={() => setAll(true)}>Show all {rows.length} rows</button></p>
      )}
    </>
  );
}

// Tabs as links (the hash router shows the page), with the current one marked.
export function SubNav({ label, items, current }) {
  return (
    <nav aria-label={label} class="subnav">
      {items.map(([href, text]) => (
        <a href={href} aria-current={current === href ? 'page' : undefined}>{text}</a>
      ))}
    </nav>
  );
}

export function Counts({ counts }) {
  if (!counts) return null;
  return (
    <span class="counts">
      {VULN_SEVERITIES.filter((s) => counts[s]).map((s) => (
        <span class={`sev sev-${s}`} title={s}>{counts[s]} {s}</span>
      ))}
      {VULN_SEVERITIES.every((s) => !counts[s]) && <span class="muted">none</span>}
    </span>
  );
}

// A copy button for snippets and one-time tokens.
export function CopyButton({ text, label }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      setTimeout(() => setDone(false), 1500);
    } catch {
      setDone(false);
    }
  };
  return <button type="button" onClick={copy} aria-label={label}>{done ? 'Copied' : 'Copy'}</button>;
}
