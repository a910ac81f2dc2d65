// SPDX-License-Identifier: Apache-2.0
// Integrations: where the console forwards alerts (generic JSON webhook,
// Slack-compatible webhook, syslog RFC 5424 with CEF) and how each route
// is doing. Read from GET /integrations; a console without that route
// says so instead of showing kinds it cannot deliver to.
import { get } from '../api.js';
import { useLoad, Table, ErrorBox, Loading, fmtTime } from '../ui.jsx';

const KINDS = [
  ['webhook', 'Generic webhook', 'POSTs each alert as JSON (moat.alert/v1) to a URL, with retries.'],
  ['slack', 'Slack-compatible webhook', 'Posts a one-line summary with the rule, severity, image and container.'],
  ['syslog', 'Syslog (RFC 5424) with CEF', 'For SIEMs: one CEF record per alert over UDP, TCP or TLS.'],
];

export function Integrations() {
  const res = useLoad(() => get('/integrations'), []);
  let body;
  if (res.loading && !res.data) body = <Loading what="integrations" />;
  else if (res.error && res.error.status === 404)
    return <p class="muted" role="status">This console does not offer alert forwarding routes over its API
      (<code>GET /api/v1/integrations</code>): none to show. docs/console.md says what it forwards.</p>;
  else if (res.error) body = <ErrorBox error={res.error} />;
  else {
    const list = res.data.integrations || [];
    body = (
      <Table caption="Integrations" rows={list} empty="No alert forwarding configured." cols={[
        { label: 'Name', key: 'name' },
        { label: 'Kind', key: 'kind' },
        { label: 'Target', cell: (i) => <code>{i.url || i.target || ''}</code> },
        { label: 'Routes', cell: (i) => (i.rules || i.routes || []).join(', ') || 'all alerts' },
        { label: 'Min. severity', key: 'min_severity' },
        { label: 'Last delivery', cell: (i) => fmtTime(i.last_ok || i.last_delivery) },
        { label: 'Status', key: 'status' },
      ]} />
    );
  }
  return (
    <>
      <ul class="cards" aria-label="Integration kinds">
        {KINDS.map(([k, name, help]) => <li><strong>{name}</strong> <span class="muted">({k})</span><br />{help}</li>)}
      </ul>
      {body}
    </>
  );
}
