// SPDX-License-Identifier: Apache-2.0
import { get } from '../api.js';
import { imageHref } from '../router.js';
import { useLoad, Loaded, Table, fmtTime } from '../ui.jsx';

// A port as docker ps writes it: IP:HOST->CONTAINER/proto (Docker's and
// moat's object spellings), or as the producer sent it.
function portText(p) {
  if (!p || typeof p !== 'object') return String(p);
  const pub = p.public ?? p.PublicPort ?? p.host_port;
  const priv = p.private ?? p.PrivatePort;
  const proto = p.proto ?? p.Type ?? 'tcp';
  const ip = p.ip ?? p.IP;
  if (pub == null) return `${priv}/${proto}`;
  return `${ip ? ip + ':' : ''}${pub}->${priv ?? '?'}/${proto}`;
}

export function Containers() {
  const res = useLoad(() => get('/containers'), []);
  return (
    <Loaded res={res} what="containers">
      {({ containers }) => (
        <Table caption="Containers" rows={containers} rowKey={(c) => c.id}
          empty="No containers reported: connect a defender (moat defender --console URL --token T)." cols={[
            { label: 'Name', cell: (c) => c.name || (c.id || '').slice(0, 12) },
            { label: 'Image', cell: (c) => (c.image_digest ? <a href={imageHref(c.image_digest)}>{c.image}</a> : c.image) },
            { label: 'Node', key: 'node' },
            { label: 'State', cell: (c) => (c.running ? 'running' : 'stopped') },
            { label: 'Privileged', cell: (c) => (c.privileged ? 'yes' : 'no') },
            { label: 'User', cell: (c) => (c.user === '' ? 'root (unset)' : c.user || '') },
            { label: 'Ports', cell: (c) => (c.ports || []).map(portText).join(', ') },
            { label: 'Kubernetes', cell: (c) => (c.k8s ? [c.k8s.namespace, c.k8s.pod].filter(Boolean).join('/') || 'yes' : 'standalone') },
            { label: 'Last seen', cell: (c) => fmtTime(c.last_seen) },
          ]} />
      )}
    </Loaded>
  );
}
