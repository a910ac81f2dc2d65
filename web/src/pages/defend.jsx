// SPDX-License-Identifier: Apache-2.0
// Defend: policies of every kind, listed, created, edited, enabled and
// disabled. A policy's rules are kind-specific JSON; a new policy starts
// from its kind's template below (the fields the console's evaluators read).
import { useState } from 'preact/hooks';
import { get, post, put, del } from '../api.js';
import { go } from '../router.js';
import { useLoad, Loaded, Table, ErrorBox } from '../ui.jsx';

export const KINDS = {
  vulnerability: {
    label: 'Vulnerabilities',
    help: 'Fail or alert on images with vulnerabilities at or above a severity, fixable ones only, or over a risk score.',
    rules: { severity: ['critical', 'high'], fixable_only: false, max_risk: null, ignore: [] },
  },
  compliance: {
    label: 'Compliance',
    help: 'Which checks of a benchmark (docker, k8s, node) are in force (ids or globs: MOAT-K8S-001, 5.*; none: all) or off, at alert or block. moat comply --console enforces it in CI; for k8s the admission webhook too, per object in scope.',
    rules: { benchmark: 'k8s', checks: ['MOAT-K8S-001'], disable: [], action: 'block', templates: ['nist-800-190'] },
  },
  runtime: {
    label: 'Runtime rules',
    help: 'Defender rules to turn on for the scope, and the response (alert, kill, stop, pause, isolate).',
    rules: { rules: ['read-shadow', 'docker-socket-in-container'], action: 'alert', scope: { images: [], namespaces: [] } },
  },
  baseline: {
    label: 'Behaviour baselines',
    help: 'Per-image learned behaviour: learn for a while, then alert on or enforce what was not learned.',
    rules: { images: [], mode: 'alert', learn_minutes: 60 },
  },
  firewall: {
    label: 'Container firewall',
    help: 'Allowed and denied connections between images and to outside addresses.',
    rules: { allow: [{ from: 'image:shop/web', to: 'image:shop/db', port: 5432, proto: 'tcp' }], deny: [] },
  },
  waf: {
    label: 'WAF',
    help: 'The L7 proxy in front of an application: OWASP CRS paranoia level, allow-list, response masking.',
    rules: { upstream: 'http://127.0.0.1:8080', paranoia: 1, allow_paths: [], mask: ['credit-card'] },
  },
  admission: {
    label: 'Admission',
    help: 'What docker run or a Pod may not do: privileged, root, host namespaces, unscanned images.',
    rules: { deny_privileged: true, deny_root: false, deny_host_network: true, require_scan: true, max_severity: 'high' },
  },
  'trusted-images': {
    label: 'Trusted images',
    help: 'Only images from these registries or matching these references may run.',
    rules: { allow: ['registry.example.com/*'], require_digest: false },
  },
};

// The common rules of each kind as form fields; they edit the JSON below
// them (which stays the whole truth, for anything the fields do not cover).
const SEVS = ['critical', 'high', 'medium', 'low'];
export const FIELDS = {
  vulnerability: [
    { key: 'severity', label: 'Severities', type: 'set', options: SEVS },
    { key: 'fixable_only', label: 'Only findings with a fix', type: 'bool' },
    { key: 'max_risk', label: 'Highest risk score allowed (0-100)', type: 'number' },
    { key: 'ignore', label: 'Ignored CVEs (comma-separated)', type: 'list' },
  ],
  compliance: [
    { key: 'benchmark', label: 'Benchmark', type: 'select', options: ['docker', 'k8s', 'node'] },
    { key: 'checks', label: 'Checks in force (ids or globs, comma-separated; empty: all)', type: 'list' },
    { key: 'disable', label: 'Checks off (ids or globs, comma-separated)', type: 'list' },
    { key: 'action', label: 'Action', type: 'select', options: ['alert', 'block'] },
    { key: 'templates', label: 'Report against', type: 'set', options: ['nist-800-190', 'pci', 'hipaa', 'gdpr'] },
  ],
  runtime: [
    { key: 'rules', label: 'Rules (comma-separated)', type: 'list' },
    { key: 'action', label: 'Response', type: 'select', options: ['alert', 'kill', 'stop', 'pause', 'isolate'] },
  ],
  baseline: [
    { key: 'images', label: 'Images (comma-separated; empty: all)', type: 'list' },
    { key: 'mode', label: 'Baseline mode', type: 'select', options: ['learn', 'alert', 'enforce'] },
    { key: 'learn_minutes', label: 'Learning time (minutes)', type: 'number' },
  ],
  firewall: [],
  waf: [
    { key: 'upstream', label: 'Upstream URL', type: 'text' },
    { key: 'paranoia', label: 'CRS paranoia level', type: 'select', options: [1, 2, 3, 4] },
    { key: 'allow_paths', label: 'Allowed paths (comma-separated)', type: 'list' },
    { key: 'mask', label: 'Masked in responses (comma-separated)', type: 'list' },
  ],
  admission: [
    { key: 'deny_privileged', label: 'Deny privileged containers', type: 'bool' },
    { key: 'deny_root', label: 'Deny containers running as root', type: 'bool' },
    { key: 'deny_host_network', label: 'Deny the host network', type: 'bool' },
    { key: 'require_scan', label: 'Require a scan', type: 'bool' },
    { key: 'max_severity', label: 'Worst severity allowed', type: 'select', options: SEVS },
  ],
  'trusted-images': [
    { key: 'allow', label: 'Trusted registries or references (comma-separated)', type: 'list' },
    { key: 'require_digest', label: 'Require a digest reference', type: 'bool' },
  ],
};

function Field({ f, rules, set }) {
  const v = rules[f.key];
  const id = `rule-${f.key}`;
  switch (f.type) {
    case 'bool':
      return <label class="inline"><input type="checkbox" checked={!!v} onChange={(e) => set(f.key, e.currentTarget.checked)} />{f.label}</label>;
    case 'set': {
      const cur = Array.isArray(v) ? v : [];
      return (
        <fieldset><legend>{f.label}</legend>
          {f.options.map((o) => (
            <label class="inline"><input type="checkbox" checked={cur.includes(o)}
              onChange={(e) => set(f.key, e.currentTarget.checked ? [...cur, o].filter((x, i, a) => a.indexOf(x) === i)
                : cur.filter((x) => x !== o))} />{o}</label>
          ))}
        </fieldset>
      );
    }
    case 'number':
      return <label for={id}>{f.label}<input id={id} type="number" value={v ?? ''}
        onInput={(e) => set(f.key, e.currentTarget.value === '' ? null : Number(e.currentTarget.value))} /></label>;
    case 'select':
      return <label for={id}>{f.label}<select id={id} value={v ?? ''}
        onChange={(e) => { const o = f.options.find((x) => String(x) === e.currentTarget.value); set(f.key, o); }}>
        {f.options.map((o) => <option value={o}>{o}</option>)}</select></label>;
    case 'list':
      return <label for={id}>{f.label}<input id={id} value={Array.isArray(v) ? v.join(', ') : ''}
        onChange={(e) => set(f.key, e.currentTarget.value.split(/[,\n]/).map((x) => x.trim()).filter(Boolean))} /></label>;
    default:
      return <label for={id}>{f.label}<input id={id} value={v ?? ''} onInput={(e) => set(f.key, e.currentTarget.value)} /></label>;
  }
}

const canWrite = (me) => me && (me.role === 'admin' || me.role === 'operator');

function blank(kind) {
  return { name: '', kind, enabled: true, mode: 'alert', rules: KINDS[kind].rules };
}

// What is wrong with the rules text, or null when it is a JSON object.
function rulesProblem(text) {
  try {
    const v = JSON.parse(text || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? null : 'must be a JSON object';
  } catch (err) {
    return err.message;
  }
}

function PolicyForm({ initial, onSaved, onCancel }) {
  const isNew = initial.id == null;
  const [p, setP] = useState(initial);
  const [rulesText, setRulesText] = useState(JSON.stringify(initial.rules ?? {}, null, 2));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const rulesError = rulesProblem(rulesText);

  // A field changed: the JSON gets the new value (other keys kept).
  const setRule = (key, value) => {
    const r = JSON.parse(rulesText || '{}');
    r[key] = value;
    setRulesText(JSON.stringify(r, null, 2));
  };

  const setKind = (kind) => {
    setP({ ...p, kind });
    // A new policy takes the kind's template; an edit keeps its rules.
    if (isNew) setRulesText(JSON.stringify(KINDS[kind].rules, null, 2));
  };

  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    if (rulesError) {
      setError(new Error(`Rules: ${rulesError}`));
      return;
    }
    const rules = JSON.parse(rulesText || '{}');
    const body = { name: p.name.trim(), kind: p.kind, enabled: p.enabled, mode: p.mode, rules };
    setBusy(true);
    try {
      const saved = isNew ? await post('/policies', body) : await put('/policies/' + encodeURIComponent(p.id), body);
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="policy-form" onSubmit={submit} aria-label={isNew ? 'New policy' : `Edit policy ${initial.name}`}>
      <label>Name
        <input name="name" required value={p.name} onInput={(e) => setP({ ...p, name: e.currentTarget.value })} />
      </label>
      <label>Kind
        <select name="kind" value={p.kind} disabled={!isNew} onChange={(e) => setKind(e.currentTarget.value)}>
          {Object.entries(KINDS).map(([k, v]) => <option value={k}>{v.label} ({k})</option>)}
        </select>
      </label>
      <p class="muted">{KINDS[p.kind] ? KINDS[p.kind].help : ''}</p>
      <fieldset>
        <legend>Mode</legend>
        {['alert', 'block'].map((m) => (
          <label class="inline">
            <input type="radio" name="mode" value={m} checked={p.mode === m}
              onChange={() => setP({ ...p, mode: m })} />{m}
          </label>
        ))}
      </fieldset>
      <label class="inline">
        <input type="checkbox" name="enabled" checked={p.enabled}
          onChange={(e) => setP({ ...p, enabled: e.currentTarget.checked })} />Enabled
      </label>
      {!rulesError && (FIELDS[p.kind] || []).length > 0 && (
        <fieldset class="rule-fields"><legend>Rules</legend>
          {FIELDS[p.kind].map((f) => <Field f={f} rules={JSON.parse(rulesText || '{}')} set={setRule} />)}
        </fieldset>
      )}
      <label>Rules (JSON)
        <textarea name="rules" rows="10" spellcheck={false} value={rulesText}
          aria-invalid={rulesError ? 'true' : 'false'} aria-describedby="rules-status"
          onInput={(e) => setRulesText(e.currentTarget.value)} />
      </label>
      <p id="rules-status" class={rulesError ? 'error' : 'muted'}>
        {rulesError ? `Rules: ${rulesError}` : 'Rules: a JSON object.'}
      </p>
      <ErrorBox error={error} />
      <div class="buttons">
        <button type="submit" disabled={busy}>{isNew ? 'Create policy' : 'Save policy'}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function PolicyList({ me }) {
  const res = useLoad(() => get('/policies'), []);
  const [error, setError] = useState(null);
  const write = canWrite(me);

  const toggle = async (p) => {
    setError(null);
    try {
      await put('/policies/' + encodeURIComponent(p.id),
        { name: p.name, kind: p.kind, mode: p.mode, rules: p.rules, enabled: !p.enabled });
      res.reload();
    } catch (err) { setError(err); }
  };
  const remove = async (p) => {
    if (!confirm(`Delete policy ${p.name}?`)) return;
    setError(null);
    try { await del('/policies/' + encodeURIComponent(p.id)); res.reload(); } catch (err) { setError(err); }
  };

  return (
    <>
      {write && <p><a class="button" href="#/defend/policies/new">New policy</a></p>}
      <ErrorBox error={error} />
      <Loaded res={res} what="policies">
        {({ policies }) => (
          <Table caption="Policies" rows={policies} rowKey={(p) => p.id}
            empty="No policies yet." cols={[
              { label: 'Name', cell: (p) => (write ? <a href={`#/defend/policies/${encodeURIComponent(p.id)}`}>{p.name}</a> : p.name) },
              { label: 'Kind', cell: (p) => (KINDS[p.kind] ? KINDS[p.kind].label : p.kind) },
              { label: 'Mode', key: 'mode' },
              { label: 'Enabled', cell: (p) => (
                <button type="button" role="switch" class={`switch ${p.enabled ? 'on' : 'off'}`}
                  aria-checked={p.enabled ? 'true' : 'false'} disabled={!write}
                  aria-label={`Enable policy ${p.name}`} onClick={() => toggle(p)}>
                  {p.enabled ? 'on' : 'off'}
                </button>) },
              { label: 'Rules', cell: (p) => <code class="rules">{JSON.stringify(p.rules)}</code> },
              { label: '', cell: (p) => write && (
                <button type="button" aria-label={`Delete policy ${p.name}`} onClick={() => remove(p)}>Delete</button>) },
            ]} />
        )}
      </Loaded>
    </>
  );
}

function EditPolicy({ id }) {
  const res = useLoad(() => get('/policies/' + encodeURIComponent(id)), [id]);
  return (
    <Loaded res={res} what="policy">
      {(d) => {
        const p = d.policy || d;
        return <PolicyForm initial={p} onSaved={() => go('/defend/policies')} onCancel={() => go('/defend/policies')} />;
      }}
    </Loaded>
  );
}

export function Defend({ route, me }) {
  const [, , sub] = route.parts;
  let body;
  if (sub === 'new') {
    const kind = KINDS[route.params.kind] ? route.params.kind : 'vulnerability';
    body = <PolicyForm initial={blank(kind)} onSaved={() => go('/defend/policies')} onCancel={() => go('/defend/policies')} />;
  } else if (sub) {
    body = <EditPolicy id={sub} />;
  } else {
    body = <PolicyList me={me} />;
  }
  return (
    <section aria-labelledby="defend-title">
      <h1 id="defend-title">Defend: policies</h1>
      {body}
    </section>
  );
}
