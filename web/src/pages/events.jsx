// SPDX-License-Identifier: Apache-2.0
// Events, newest first, filtered by kind, severity, image, container and
// time. The filters live in the URL (#/monitor/events?kind=…) so a
// filtered view can be linked and survives a reload.
import { useState } from 'preact/hooks';
import { get, query } from '../api.js';
import { go, imageHref } from '../router.js';
import { useLoad, Loaded, Sev, Table, fmtTime } from '../ui.jsx';

const KINDS = ['runtime', 'network', 'baseline', 'admission', 'registry', 'scan', 'audit'];
const SEVS = ['critical', 'error', 'high', 'warning', 'medium', 'notice', 'low', 'info'];
const SINCE = [['', 'any time'], ['15m', 'last 15 minutes'], ['1h', 'last hour'],
  ['24h', 'last 24 hours'], ['7d', 'last 7 days']];

// "1h" -> RFC 3339 time that long ago (the API takes absolute times).
function sinceTime(span) {
  const m = /^(\d+)([mhd])$/.exec(span || '');
  if (!m) return '';
  const ms = { m: 60e3, h: 3600e3, d: 86400e3 }[m[2]] * Number(m[1]);
  return new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function containerName(c) {
  if (!c) return '';
  return c.name || (c.id ? c.id.slice(0, 12) : '');
}

function Details({ ev }) {
  const d = ev.details || {};
  const keys = Object.keys(d);
  const proc = ev.process;
  if (!keys.length && !proc && !ev.description) return null;
  return (
    <details>
      <summary>details</summary>
      {ev.description && <p>{ev.description}</p>}
      {proc && <p><code>{proc.cmdline || proc.exe}</code></p>}
      <dl class="kv">
        {keys.map((k) => <><dt>{k}</dt><dd>{typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k])}</dd></>)}
      </dl>
    </details>
  );
}

export function Events({ params }) {
  const [form, setForm] = useState({
    kind: params.kind || '', severity: params.severity || '', image: params.image || '',
    container: params.container || '', since: params.since || '',
  });
  const key = JSON.stringify(params);
  const res = useLoad(() => get('/events' + query({
    kind: params.kind, severity: params.severity, image: params.image,
    container: params.container, since: sinceTime(params.since) || params.since_time,
    limit: params.limit || 200,
  })), [key]);

  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const apply = (e) => {
    e.preventDefault();
    go('/monitor/events' + query(form));
  };
  const clear = () => {
    setForm({ kind: '', severity: '', image: '', container: '', since: '' });
    go('/monitor/events');
  };

  return (
    <>
      <form class="filters" role="search" aria-label="Event filters" onSubmit={apply}>
        <label>Kind
          <select name="kind" aria-label="Kind" value={form.kind} onChange={set('kind')}>
            <option value="">any</option>
            {KINDS.map((k) => <option value={k}>{k}</option>)}
          </select>
        </label>
        <label>Severity
          <select name="severity" aria-label="Severity" value={form.severity} onChange={set('severity')}>
            <option value="">any</option>
            {SEVS.map((s) => <option value={s}>{s}</option>)}
          </select>
        </label>
        <label>Image
          <input name="image" aria-label="Image" value={form.image} onInput={set('image')} placeholder="exact reference or digest" />
        </label>
        <label>Container
          <input name="container" aria-label="Container" value={form.container} onInput={set('container')} placeholder="exact name or id" />
        </label>
        <label>Time
          <select name="since" aria-label="Time" value={form.since} onChange={set('since')}>
            {SINCE.map(([v, t]) => <option value={v}>{t}</option>)}
          </select>
        </label>
        <button type="submit">Apply filters</button>
        <button type="button" onClick={clear}>Clear</button>
      </form>
      <Loaded res={res} what="events">
        {(data) => (
          <>
            <p class="muted" role="status">{data.events.length} events</p>
            <Table caption="Events" rows={data.events} rowKey={(e) => e.event_id}
              empty="No events match these filters." cols={[
                { label: 'Time', cell: (e) => <time datetime={e.time}>{fmtTime(e.time)}</time> },
                { label: 'Severity', cell: (e) => <Sev s={e.severity} /> },
                { label: 'Kind', key: 'kind' },
                { label: 'Rule', key: 'rule' },
                { label: 'Image', cell: (e) => {
                  const name = e.image_name || (e.container && e.container.image) || e.image;
                  return /^sha256:/.test(e.image || '') ? <a href={imageHref(e.image)}>{name}</a> : name;
                } },
                { label: 'Container', cell: (e) => containerName(e.container) },
                { label: 'Node', key: 'node' },
                { label: 'Action', key: 'action' },
                { label: '', cell: (e) => <Details ev={e} /> },
              ]} />
          </>
        )}
      </Loaded>
    </>
  );
}
