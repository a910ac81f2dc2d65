// SPDX-License-Identifier: Apache-2.0
// Monitor: events, vulnerabilities (by image, by CVE), compliance,
// containers.
import { SubNav } from '../ui.jsx';
import { Events } from './events.jsx';
import { VulnsByImage, VulnsByCve } from './vulns.jsx';
import { Compliance } from './compliance.jsx';
import { Containers } from './containers.jsx';

const TABS = [
  ['#/monitor/events', 'Events'],
  ['#/monitor/images', 'Vulnerabilities by image'],
  ['#/monitor/cves', 'Vulnerabilities by CVE'],
  ['#/monitor/compliance', 'Compliance'],
  ['#/monitor/containers', 'Containers'],
];

export function Monitor({ route }) {
  const tab = route.parts[1] || 'events';
  const body = {
    events: () => <Events params={route.params} />,
    images: () => <VulnsByImage />,
    cves: () => <VulnsByCve params={route.params} />,
    compliance: () => <Compliance />,
    containers: () => <Containers />,
  }[tab] || (() => <Events params={route.params} />);
  return (
    <section aria-labelledby="monitor-title">
      <h1 id="monitor-title">Monitor</h1>
      <SubNav label="Monitor" items={TABS} current={`#/monitor/${tab}`} />
      {body()}
    </section>
  );
}
