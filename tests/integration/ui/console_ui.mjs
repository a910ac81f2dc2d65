// SPDX-License-Identifier: Apache-2.0
// End-to-end test of the console UI in Debian's headless chromium, driven
// by playwright-core. console_ui.sh starts the real `moat console`, fills it
// (admin user, the sample image's scan, events with a network connection)
// and runs this with:
//   UI_URL UI_USER UI_PASSWORD  where and as whom to log in
//   UI_ARTIFACTS                where screenshots go
//   UI_IMAGE UI_DIGEST          the scanned image's reference and digest
//   UI_PEER                     the label of the node the image connected to
//   UI_CVE UI_LAYER UI_CMD      a finding, its layer index and instruction
//   UI_EVENTS_TOTAL             events posted; UI_CRITICAL, UI_NETWORK: how
//                               many are critical, of kind network;
//                               UI_RECENT: how many are from the last hour
//   UI_APP_SEV UI_BASE_SEV      the colour the radar owes each image (the
//                               app runs standalone and privileged, the base
//                               in a Kubernetes pod)
//   UI_UNRATED                  an image whose only finding has no severity
// Every step asserts on what the page shows; the first failure exits 1.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const env = (k) => {
  const v = process.env[k];
  if (v === undefined) { console.error(`console_ui.mjs: ${k} is not set`); process.exit(2); }
  return v;
};
const URL_ = env('UI_URL'), ART = env('UI_ARTIFACTS');
const IMAGE = env('UI_IMAGE'), DIGEST = env('UI_DIGEST'), PEER = env('UI_PEER');
const CVE = env('UI_CVE'), LAYER = env('UI_LAYER'), CMD = env('UI_CMD');
const TOTAL = Number(env('UI_EVENTS_TOTAL')), CRITICAL = Number(env('UI_CRITICAL'));
const NETWORK = Number(env('UI_NETWORK')), RECENT = Number(env('UI_RECENT'));
// Generous: the machine may be loaded; a missing element still fails.
const T = 30000;
mkdirSync(ART, { recursive: true });

const t0 = Date.now();
let step = 'start';
const log = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
function check(cond, msg) { if (!cond) throw new Error(msg); }
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    timeout: 90000,
  });
} catch (e) {
  console.error(`chromium cannot start: ${e.message.split('\n')[0]}`);
  process.exit(77);
}

const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
// Failed requests are the app's business (a 401 before login is expected);
// anything else logged as an error, and any uncaught exception, fails.
page.on('console', (m) => {
  if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(m.text());
});
page.setDefaultTimeout(T);
const shot = async (name, fullPage = true) => {
  const f = `${ART}/${name}.png`;
  await page.screenshot({ path: f, fullPage });
  log(`screenshot ${f}`);
};

async function rowsOf(tableName) {
  const t = page.getByRole('table', { name: tableName, exact: true });
  await t.waitFor();
  return t.locator('tbody tr');
}

try {
  step = 'login';
  await page.goto(URL_);
  await page.getByLabel('User name').fill(env('UI_USER'));
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: /wrong user name or password/i }).waitFor();
  log('a wrong password is refused with a message');
  await page.getByLabel('Password').fill(env('UI_PASSWORD'));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Radar' }).waitFor();
  log('logged in; the radar is the start page');

  step = 'radar';
  const map = page.getByRole('group', { name: 'Radar map' });
  const node = map.getByRole('link', { name: new RegExp(`^image ${esc(IMAGE)},`) });
  await node.waitFor();
  // Colour, badge and halo as the API says (the page's own session asks).
  const api = await page.evaluate(async () => (await (await fetch('/api/v1/radar')).json()));
  const want = api.nodes.find((n) => n.digest === DIGEST);
  check(want, `the API's radar has no node for ${DIGEST}`);
  const label = await node.getAttribute('aria-label');
  const cls = await node.getAttribute('class');
  const sev = want.severity || 'none';
  check(cls.includes(`sev-${sev}`) && label.includes(`highest risk ${sev}`),
    `radar node not coloured by its risk ${sev}: class "${cls}", label "${label}"`);
  const badge = await node.locator('.badge text').allTextContents();
  check(want.containers_running > 0 ? badge[0] === String(want.containers_running) : badge.length === 0,
    `running badge ${JSON.stringify(badge)}, API says ${want.containers_running}`);
  const halo = await node.locator('circle.halo').count();
  check((halo === 1) === (want.incidents > 0), `halo ${halo}, API says ${want.incidents} incidents`);
  const conn = (await rowsOf('Connections')).filter({ hasText: IMAGE }).filter({ hasText: PEER });
  await conn.first().waitFor();
  const edges = await map.locator('line.edge').count();
  check(edges >= 1, `no edge drawn on the radar (${edges})`);
  const where = await node.getAttribute('transform');
  log(`radar: ${label}; ${edges} edge(s); ${IMAGE} -> ${PEER} listed; node at ${where}`);
  await shot('radar');
  await page.reload();
  await node.waitFor();
  const again = await node.getAttribute('transform');
  check(again === where, `radar layout moved on reload: ${where} then ${again}`);
  log('radar layout is the same after a reload');

  step = 'radar colours and icons';
  const fills = {};
  for (const [name, sev, k8s] of [[IMAGE, env('UI_APP_SEV'), false], [PEER, env('UI_BASE_SEV'), true],
    [env('UI_UNRATED'), 'unknown', false]]) {
    const nd = map.getByRole('link', { name: new RegExp(`^image ${esc(name)},`) });
    await nd.waitFor();
    const c = await nd.getAttribute('class'), l = await nd.getAttribute('aria-label');
    check(c.includes(`sev-${sev}`) && l.includes(`highest risk ${sev},`), `${name}: want colour ${sev}: class "${c}", label "${l}"`);
    check(l.includes(k8s ? 'Kubernetes-managed' : 'standalone'), `${name}: want ${k8s ? 'Kubernetes-managed' : 'standalone'}: "${l}"`);
    const poly = await nd.locator('polygon.shape').count(), box = await nd.locator('rect.shape').count();
    const wheel = await nd.locator('g.icon line').count(), crate = await nd.locator('g.icon path').count();
    check(k8s ? poly === 1 && box === 0 && wheel === 7 && crate === 0 : box === 1 && poly === 0 && crate === 1 && wheel === 0,
      `${name}: shape/icon polygon ${poly} rect ${box} wheel spokes ${wheel} box paths ${crate} (want ${k8s ? 'heptagon + wheel' : 'box + crate'})`);
    fills[sev] = await nd.locator('.shape').evaluate((e) => getComputedStyle(e).fill);
    log(`radar: ${name} is ${sev} (${fills[sev]}), ${k8s ? 'Kubernetes-managed' : 'standalone'}`);
  }
  // Grey, and not the colour low is drawn in (the bug this guards against).
  const lowFill = await page.evaluate(() => {
    const g = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    g.setAttribute('class', 'sev-low');
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    r.setAttribute('class', 'shape');
    g.appendChild(r);
    document.querySelector('svg.radar').appendChild(g);
    const f = getComputedStyle(r).fill;
    g.remove();
    return f;
  });
  check(fills.unknown === 'rgb(107, 114, 128)' && fills.unknown !== lowFill,
    `an unrated image is drawn ${fills.unknown} (low is ${lowFill}); want grey`);
  const appRow = (await rowsOf('Radar images')).filter({ hasText: IMAGE }).first();
  const appText = (await appRow.textContent()).replace(/\s+/g, ' ');
  check(/↑ privileged/.test(appText) && /↑ internet-facing/.test(appText) && /scan \d+/.test(appText),
    `the app's radar row does not say its risk was raised where it runs: ${appText}`);
  log(`radar: ${IMAGE} risk raised where it runs: ${appText.slice(0, 160)}`);
  await shot('radar-colours');

  step = 'image vulnerabilities';
  await node.click();
  await page.getByRole('heading', { name: IMAGE, exact: true }).waitFor();
  check(page.url().includes(encodeURIComponent(DIGEST)), `image page URL ${page.url()} lacks ${DIGEST}`);
  const layers = page.getByRole('list', { name: 'Layers' });
  await layers.waitFor();
  const nlayers = await layers.getByRole('listitem').count();
  check(nlayers >= 2, `layer view shows ${nlayers} layers`);
  const owners = await layers.locator('.owner').allTextContents();
  check(owners.includes('base') && owners.includes('app'), `layer owners: ${owners.join(',')}`);
  const all = await rowsOf('Vulnerabilities');
  const nall = await all.count();
  check(nall >= 1, 'no vulnerabilities listed for the image');
  await layers.getByRole('button', { name: new RegExp(`^Layer ${LAYER}:`) }).click();
  const mine = await rowsOf(`Vulnerabilities introduced by layer ${LAYER}`);
  const row = mine.filter({ hasText: CVE }).first();
  await row.waitFor();
  const rowText = (await row.textContent()).replace(/\s+/g, ' ');
  check(rowText.includes(`#${LAYER}`), `row for ${CVE} does not name layer #${LAYER}: ${rowText}`);
  check(rowText.includes(CMD.slice(0, 30)), `row for ${CVE} does not show the instruction "${CMD.slice(0, 30)}": ${rowText}`);
  const nmine = await mine.count();
  check(nmine <= nall, `layer filter shows more rows (${nmine}) than all layers (${nall})`);
  check(/↑ privileged/.test(rowText) && /\(scan \d+\)/.test(rowText), `row for ${CVE} does not show its risk raised where it runs: ${rowText}`);
  const envText = await page.getByLabel('Environment').textContent();
  check(/privileged/.test(envText) && /as root/.test(envText) && /published port/.test(envText), `environment: ${envText}`);
  log(`image: ${nlayers} layers (base and app), ${nall} vulnerabilities; layer ${LAYER} shows ${nmine} incl. ${CVE}; runs ${envText}`);
  await shot('image-layers', false);
  // The same CVE across images: the by-CVE view names the image.
  await page.goto(`${URL_}/#/monitor/cves`);
  await page.getByLabel('Find CVE or package').fill(CVE);
  const cveRow = (await rowsOf('Vulnerabilities by CVE')).filter({ hasText: CVE }).first();
  await cveRow.getByRole('link', { name: IMAGE }).waitFor();
  log(`by CVE: ${CVE} lists ${IMAGE}`);
  await shot('cves');

  step = 'compliance';
  await page.goto(`${URL_}/#/monitor/compliance`);
  const pci = (await rowsOf('Compliance per template')).filter({ hasText: 'PCI-DSS-4.0' }).first();
  await pci.waitFor();
  const pciCells = await pci.locator('td').allTextContents();
  check(pciCells[1] === '1' && pciCells[2] === '1', `PCI-DSS-4.0: failed/passed controls ${pciCells.join(' | ')}, want 1 and 1`);
  await pci.getByRole('button', { name: /Show 2 controls/ }).click();
  await (await rowsOf('Controls of PCI-DSS-4.0')).filter({ hasText: 'PCI-DSS-4.0:2.2.6' }).filter({ hasText: 'FAIL' }).first().waitFor();
  const c54 = (await rowsOf('Compliance per check')).filter({ hasText: 'capabilities' }).first();
  const c54Text = (await c54.textContent()).replace(/\s+/g, ' ');
  check(/1 WARN/.test(c54Text) && /ui-node: capabilities added/.test(c54Text), `check 5.4: ${c54Text}`);
  log('compliance: per template (PCI-DSS-4.0 1 failed, 1 passed; 2.2.6 FAIL) and per check (5.4 warns on ui-node)');
  await shot('compliance');
  await page.goto(`${URL_}/#/monitor/containers`);
  const db = (await rowsOf('Containers')).filter({ hasText: 'k8s_db_db-0_shop' }).first();
  const web = (await rowsOf('Containers')).filter({ hasText: 'ui-web-1' }).first();
  const dbText = (await db.textContent()).replace(/\s+/g, ' '), webText = (await web.textContent()).replace(/\s+/g, ' ');
  check(dbText.includes('shop/db-0') && webText.includes('standalone') && webText.includes('0.0.0.0:8080->80/tcp'),
    `containers: "${dbText}" / "${webText}"`);
  log('containers: the pod from io.kubernetes.* labels, the published port as docker ps writes it');

  step = 'events';
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitor' }).click();
  await page.getByRole('navigation', { name: 'Monitor' }).getByRole('link', { name: 'Events' }).click();
  let ev = await rowsOf('Events');
  await page.waitForFunction((n) => document.querySelectorAll('table[aria-label="Events"] tbody tr').length === n, TOTAL);
  log(`events: ${await ev.count()} listed`);
  const filters = page.getByRole('search', { name: 'Event filters' });
  await filters.getByLabel('Severity', { exact: true }).selectOption('critical');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll('table[aria-label="Events"] tbody tr');
    return location.hash.includes('severity=critical') && rows.length === n &&
      [...rows].every((r) => r.cells[1] && r.cells[1].textContent.trim() === 'critical');
  }, CRITICAL);
  ev = await rowsOf('Events');
  const sevs = await ev.locator('td:nth-child(2)').allTextContents();
  check(sevs.length === CRITICAL && sevs.every((s) => s.trim() === 'critical'),
    `severity filter: ${sevs.join(',')} (want ${CRITICAL} critical)`);
  log(`events filtered by severity critical: ${sevs.length} of ${TOTAL}`);
  await shot('events-critical');
  await filters.getByLabel('Severity', { exact: true }).selectOption('');
  await filters.getByLabel('Kind', { exact: true }).selectOption('network');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll('table[aria-label="Events"] tbody tr');
    // the rows of the new query, not the critical ones still shown while it
    // loads (the hash changes first; both lists can hold one row)
    return location.hash.includes('kind=network') && !location.hash.includes('severity') && rows.length === n &&
      [...rows].every((r) => r.cells[2] && r.cells[2].textContent.trim() === 'network');
  }, NETWORK);
  const kinds = await (await rowsOf('Events')).locator('td:nth-child(3)').allTextContents();
  check(kinds.length === NETWORK && kinds.every((k) => k.trim() === 'network'),
    `kind filter: ${kinds.join(',')} (want ${NETWORK} network)`);
  log(`events filtered by kind network: ${kinds.length} of ${TOTAL}`);
  await filters.getByLabel('Kind', { exact: true }).selectOption('');
  await filters.getByLabel('Time', { exact: true }).selectOption('1h');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction((n) => {
    const rows = document.querySelectorAll('table[aria-label="Events"] tbody tr');
    return location.hash.includes('since=1h') && !location.hash.includes('kind') && rows.length === n;
  }, RECENT);
  log(`events of the last hour: ${RECENT} of ${TOTAL}`);
  await filters.getByLabel('Time', { exact: true }).selectOption('');
  await filters.getByLabel('Container', { exact: true }).fill('no-such-container-xyz');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByText('No events match these filters.').waitFor();
  log('a filter that matches nothing shows none');
  await filters.getByLabel('Container', { exact: true }).fill('');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await rowsOf('Events');

  step = 'policy';
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Defend' }).click();
  await page.getByRole('link', { name: 'New policy' }).click();
  const form = page.getByRole('form', { name: 'New policy' });
  // The server checks each kind's rules: a severity that does not exist is refused, named.
  const rules0 = await form.getByLabel('Rules (JSON)').inputValue();
  await form.getByLabel('Name').fill('ui-test refused');
  await form.getByLabel('Rules (JSON)').fill('{"severity": ["urgent"]}');
  await form.getByRole('button', { name: 'Create policy' }).click();
  await form.getByRole('alert').filter({ hasText: 'rules.severity' }).waitFor();
  log('policy: a rule the kind does not allow is refused by the server, naming rules.severity');
  await form.getByLabel('Rules (JSON)').fill(rules0);
  await form.getByLabel('Name').fill('ui-test block criticals');
  await form.getByLabel('Kind').selectOption('vulnerability');
  await form.getByRole('radio', { name: 'block' }).check();
  const rules = await form.getByLabel('Rules (JSON)').inputValue();
  check(JSON.parse(rules).severity, `the vulnerability template has no severity: ${rules}`);
  // The fields write the JSON: severities critical only, fixable only.
  const sevBox = form.getByRole('group', { name: 'Severities' });
  await sevBox.getByRole('checkbox', { name: 'high', exact: true }).uncheck();
  await form.getByRole('checkbox', { name: 'Only findings with a fix' }).check();
  const json = JSON.parse(await form.getByLabel('Rules (JSON)').inputValue());
  check(JSON.stringify(json.severity) === '["critical"]' && json.fixable_only === true,
    `the rule fields did not reach the JSON: ${JSON.stringify(json)}`);
  await form.getByRole('button', { name: 'Create policy' }).click();
  const pol = (await rowsOf('Policies')).filter({ hasText: 'ui-test block criticals' });
  await pol.waitFor();
  const polText = (await pol.textContent()).replace(/\s+/g, ' ');
  check(/block/.test(polText), `new policy row lacks its mode: ${polText}`);
  // What the server stored (the same session, so the cookie and CSRF path are real).
  const stored = await page.evaluate(async () => (await (await fetch('/api/v1/policies')).json()).policies);
  const mineP = stored.find((p) => p.name === 'ui-test block criticals');
  check(mineP && mineP.kind === 'vulnerability' && mineP.mode === 'block' && mineP.enabled === true &&
    JSON.stringify(mineP.rules.severity) === '["critical"]' && mineP.rules.fixable_only === true,
    `stored policy: ${JSON.stringify(mineP)}`);
  const sw = pol.getByRole('switch', { name: 'Enable policy ui-test block criticals' });
  check(await sw.getAttribute('aria-checked') === 'true', 'the new policy is not shown enabled');
  await sw.click();
  await page.waitForFunction(async () => {
    const r = await (await fetch('/api/v1/policies')).json();
    const p = r.policies.find((x) => x.name === 'ui-test block criticals');
    return p && p.enabled === false;
  }, null, { polling: 300 });
  await page.locator('button[role=switch][aria-checked=false]').filter({ hasText: 'off' }).waitFor();
  // Edit: mode back to alert; the kind cannot change, the rules stay.
  await pol.getByRole('link', { name: 'ui-test block criticals' }).click();
  const edit = page.getByRole('form', { name: 'Edit policy ui-test block criticals' });
  check(await edit.getByLabel('Kind').isDisabled(), 'the kind of a stored policy can be changed');
  await edit.getByRole('radio', { name: 'alert' }).check();
  await edit.getByRole('button', { name: 'Save policy' }).click();
  const edited = (await rowsOf('Policies')).filter({ hasText: 'ui-test block criticals' });
  await edited.getByRole('cell', { name: 'alert', exact: true }).waitFor();
  const after = await page.evaluate(async (id) => (await (await fetch(`/api/v1/policies/${id}`)).json()), mineP.id);
  check(after.mode === 'alert' && after.enabled === false && JSON.stringify(after.rules.severity) === '["critical"]',
    `edited policy: ${JSON.stringify(after)}`);
  log(`policy created (${mineP.id}: vulnerability, block), disabled, edited to alert through the UI`);
  await shot('policies');

  step = 'manage';
  await page.goto(`${URL_}/#/manage/ci`);
  const gh = page.getByRole('region', { name: 'GitHub Actions snippet' });
  await gh.waitFor();
  const snippet = await gh.locator('pre').textContent();
  for (const name of ['Jenkins', 'GitLab CI', 'GitHub Actions']) {
    const text = await page.getByRole('region', { name: `${name} snippet` }).locator('pre').textContent();
    check(text.includes(`moat scan --console ${new URL(URL_).origin} --token "$MOAT_TOKEN" --fail-on critical,high`),
      `${name} CI snippet does not scan against this console and fail on high: ${text}`);
  }
  check(snippet.includes('secrets.MOAT_TOKEN'), `the GitHub snippet does not take the token from a secret: ${snippet}`);
  await shot('manage-ci');
  await page.goto(`${URL_}/#/manage/users`);
  await (await rowsOf('Users')).filter({ hasText: env('UI_USER') }).first().waitFor();
  log('manage: CI snippets name this console; users list the admin');
  await shot('manage-users');
  await page.goto(`${URL_}/#/manage/defenders`);
  const def = (await rowsOf('Defenders')).filter({ hasText: '2, 1 queued' }).first();
  await def.waitFor();
  check((await def.textContent()).includes('0 waiting'), `defender row: ${await def.textContent()}`);
  log('manage: the defender row shows its spool and its node\'s image scans');
  const adm = (await rowsOf('Admission controllers')).filter({ hasText: 'no privileged in prod, ours only' }).first();
  await adm.waitFor();
  const admText = await adm.textContent();
  for (const want of ['token:ui-test-node', 'webhook', 'ui-node', 'online', 'console', '12 allowed, 3 denied (1 warned)', 'bad labels'])
    check(admText.includes(want), `admission controller row lacks "${want}": ${admText}`);
  check(admText.includes('not the current set'), `the row does not say its set is not the console's current one: ${admText}`);
  log('manage: the admission controller row shows its policies in force, their source, decisions and last error');
  await shot('manage-defenders');

  check(pageErrors.length === 0, `errors in the page: ${pageErrors.join(' | ')}`);
  log(`PASS in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await browser.close();
} catch (e) {
  console.error(`FAIL at step "${step}": ${e.message.split('\n').slice(0, 4).join(' ')}`);
  if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
  try { await shot(`failed-${step.replace(/\s+/g, '-')}`); } catch { /* the page may be gone */ }
  await browser.close();
  process.exit(1);
}
