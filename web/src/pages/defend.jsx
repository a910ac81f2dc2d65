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
    help: 'Checks (e.g. MOAT-IMG-001) or whole templates that images must pass.',
    rules: { templates: ['cis-docker'], checks: [], severity: ['critical', 'high'] },
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
