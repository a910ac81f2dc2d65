// SPDX-License-Identifier: Apache-2.0
// Manage: defenders and their health, admission controllers and the policy
// set each has in force, users and roles, API tokens,
// integrations (alert forwarding) and copy-ready CI snippets.
import { useState } from 'preact/hooks';
import { get, post, del } from '../api.js';
import { useLoad, Loaded, Table, ErrorBox, SubNav, CopyButton, fmtTime } from '../ui.jsx';
import { Integrations } from './integrations.jsx';
import { CiSnippets } from './ci.jsx';

const ROLES = ['admin', 'operator', 'auditor', 'ci', 'defender'];
const TABS = [
  ['#/manage/defenders', 'Defenders'],
  ['#/manage/users', 'Users'],
  ['#/manage/tokens', 'API tokens'],
  ['#/manage/integrations', 'Integrations'],
  ['#/manage/ci', 'CI snippets'],
  ['#/manage/audit', 'Audit log'],
];

// A defender is healthy when it reported in the last two minutes.
function health(d) {
  if (d.status && !['ok', 'connected', 'online'].includes(d.status)) return d.status;
  const age = (Date.now() - new Date(d.last_seen)) / 1000;
  if (isNaN(age)) return d.status || 'unknown';
  return age < 120 ? (d.status || 'ok') : `stale (${Math.round(age / 60)} min)`;
}

// Alerts waiting in the defender's spool (the console was away), and lost ones.
function spool(h) {
  if (h.spool_events === undefined) return '';
  return `${h.spool_events} waiting` + (h.spool_dropped ? `, ${h.spool_dropped} dropped` : '');
}

// The node's image scans (moat defender --scan-db): sent, failed, waiting.
function scans(h) {
  if (h.images_scanned === undefined) return 'off';
  return `${h.images_scanned}` + (h.images_failed ? `, ${h.images_failed} failed` : '') +
    (h.images_queued ? `, ${h.images_queued} queued` : '');
}

function Defenders() {
  const res = useLoad(() => get('/defenders'), []);
  return (
    <Loaded res={res} what="defenders">
      {({ defenders }) => (
        <Table caption="Defenders" rows={defenders} rowKey={(d) => d.id}
          empty="No defenders enrolled: run moat defender --console URL --token T on each node." cols={[
            { label: 'Node', key: 'node' },
            { label: 'ID', cell: (d) => <code>{d.id}</code> },
            { label: 'Version', key: 'version' },
            { label: 'Health', cell: (d) => { const h = health(d); return <span class={`health ${/^(ok|connected|online)$/.test(h) ? 'good' : 'bad'}`}>{h}</span>; } },
            { label: 'Alerts', cell: (d) => (d.health || {}).alerts ?? '' },
            { label: 'Spool', cell: (d) => spool(d.health || {}) },
            { label: 'Images scanned', cell: (d) => scans(d.health || {}) },
            { label: 'Last error', cell: (d) => (d.health || {}).last_error || (d.health || {}).scan_error || '' },
            { label: 'Last seen', cell: (d) => fmtTime(d.last_seen) },
          ]} />
      )}
    </Loaded>
  );
}

// The console policies an admission controller has in force, and where from.
function inForce(h) {
  const set = h.policy_set || {};
  if (!set.source) return <span class="muted">local policy only</span>;
  const names = (set.policies || []).map((p) => p.name).join(', ');
  return names || <span class="muted">none</span>;
}

function decisions(h) {
  const d = h.decisions;
  if (!d) return '';
  return `${d.allowed ?? 0} allowed, ${d.denied ?? 0} denied` + (d.warned ? ` (${d.warned} warned)` : '');
}

// moat webhook / moat authz --console: their heartbeats (the defender's channel).
function AdmissionControllers() {
  const res = useLoad(() => get('/admission-controllers'), []);
  return (
    <>
    <h2>Admission controllers</h2>
    <Loaded res={res} what="admission controllers">
      {({ admission_controllers: rows }) => (
        <Table caption="Admission controllers" rows={rows} rowKey={(a) => a.id}
          empty="No admission controllers: run moat webhook or moat authz with --console URL --token-file F." cols={[
            { label: 'Name', cell: (a) => <span title={a.id}>{a.name}</span> },
            { label: 'Kind', key: 'kind' },
            { label: 'Node', key: 'node' },
            { label: 'Status', cell: (a) => <span class={`health ${a.status === 'online' ? 'good' : 'bad'}`}>{a.status}</span> },
            { label: 'Policies in force', cell: (a) => inForce(a.health || {}) },
            { label: 'From', cell: (a) => {
              const set = (a.health || {}).policy_set || {};
              if (!set.source) return '';
              return <span title={`etag ${set.etag || '?'}, applied ${fmtTime(set.applied)}`}>
                {set.source}{a.in_sync ? '' : <span class="health bad"> (not the current set)</span>}</span>;
            } },
            { label: 'Decisions', cell: (a) => decisions(a.health || {}) },
            { label: 'Last error', cell: (a) => (a.health || {}).last_error || (a.health || {}).scan_error || '' },
            { label: 'Last seen', cell: (a) => fmtTime(a.last_seen) },
          ]} />
      )}
    </Loaded>
    </>
  );
}

function Users({ me }) {
  const res = useLoad(() => get('/users'), []);
  const [form, setForm] = useState({ name: '', role: 'operator', password: '' });
  const [error, setError] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await post('/users', form);
      setForm({ name: '', role: 'operator', password: '' });
      res.reload();
    } catch (err) { setError(err); }
  };
  const remove = async (u) => {
    if (!confirm(`Delete user ${u.name}?`)) return;
    try { await del('/users/' + encodeURIComponent(u.name)); res.reload(); } catch (err) { setError(err); }
  };
  return (
    <>
      <Loaded res={res} what="users">
        {({ users }) => (
          <Table caption="Users" rows={users} rowKey={(u) => u.name} cols={[
            { label: 'Name', key: 'name' },
            { label: 'Role', key: 'role' },
            { label: 'Created', cell: (u) => fmtTime(u.created) },
            { label: '', cell: (u) => (u.name === me.user ? <span class="muted">you</span>
              : <button type="button" aria-label={`Delete user ${u.name}`} onClick={() => remove(u)}>Delete</button>) },
          ]} />
        )}
      </Loaded>
      <h2>Add a user</h2>
      <form class="row-form" onSubmit={add} aria-label="Add a user">
        <label>Name<input required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} /></label>
        <label>Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
            {ROLES.filter((r) => r !== 'defender' && r !== 'ci').map((r) => <option value={r}>{r}</option>)}
          </select>
        </label>
        <label>Password<input type="password" required minLength={12} autocomplete="new-password" value={form.password}
          onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} /></label>
        <button type="submit">Add user</button>
      </form>
      <ErrorBox error={error} />
    </>
  );
}

function Tokens() {
  const res = useLoad(() => get('/tokens'), []);
  const [form, setForm] = useState({ name: '', role: 'ci' });
  const [made, setMade] = useState(null);
  const [error, setError] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      setMade(await post('/tokens', form));
      setForm({ name: '', role: 'ci' });
      res.reload();
    } catch (err) { setError(err); }
  };
  const revoke = async (t) => {
    if (!confirm(`Revoke token ${t.name || t.id}?`)) return;
    try { await del('/tokens/' + encodeURIComponent(t.id)); res.reload(); } catch (err) { setError(err); }
  };
  return (
    <>
      {made && made.token && (
        <div class="notice" role="status">
          <p>New token <strong>{made.name || made.id}</strong> ({made.role}). It is shown only this once:</p>
          <p><code class="secret" aria-label="New token">{made.token}</code> <CopyButton text={made.token} label="Copy the new token" /></p>
        </div>
      )}
      <Loaded res={res} what="tokens">
        {({ tokens }) => (
          <Table caption="API tokens" rows={tokens} rowKey={(t) => t.id} empty="No API tokens." cols={[
            { label: 'Name', key: 'name' },
            { label: 'ID', cell: (t) => <code>{t.id}</code> },
            { label: 'Role', key: 'role' },
            { label: 'Created', cell: (t) => fmtTime(t.created) },
            { label: 'Last used', cell: (t) => fmtTime(t.last_used) },
            { label: '', cell: (t) => <button type="button" aria-label={`Revoke token ${t.name || t.id}`} onClick={() => revoke(t)}>Revoke</button> },
          ]} />
        )}
      </Loaded>
      <h2>Create a token</h2>
      <form class="row-form" onSubmit={create} aria-label="Create a token">
        <label>Token name<input required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} /></label>
        <label>Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
            {ROLES.map((r) => <option value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit">Create token</button>
      </form>
      <ErrorBox error={error} />
    </>
  );
}

function Audit() {
  const res = useLoad(() => get('/audit'), []);
  return (
    <Loaded res={res} what="audit log">
      {({ audit }) => (
        <Table caption="Audit log" rows={audit} empty="Nothing changed yet." cols={[
          { label: 'Time', cell: (a) => fmtTime(a.time) },
          { label: 'User', key: 'user' },
          { label: 'Action', key: 'action' },
          { label: 'Target', key: 'target' },
        ]} />
      )}
    </Loaded>
  );
}

export function Manage({ route, me }) {
  const tab = route.parts[1] || 'defenders';
  const admin = me.role === 'admin';
  const body = {
    defenders: () => <><Defenders /><AdmissionControllers /></>,
    users: () => (admin ? <Users me={me} /> : <p class="muted">Only admins manage users.</p>),
    tokens: () => (admin ? <Tokens /> : <p class="muted">Only admins manage API tokens.</p>),
    integrations: () => <Integrations />,
    ci: () => <CiSnippets admin={admin} />,
    audit: () => (admin || me.role === 'auditor' ? <Audit /> : <p class="muted">Only admins and auditors read the audit log.</p>),
  }[tab] || (() => <><Defenders /><AdmissionControllers /></>);
  return (
    <section aria-labelledby="manage-title">
      <h1 id="manage-title">Manage</h1>
      <SubNav label="Manage" items={TABS} current={`#/manage/${tab}`} />
      {body()}
    </section>
  );
}
