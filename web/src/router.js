// SPDX-License-Identifier: Apache-2.0
// Hash routing (#/radar, #/images/sha256:…, #/monitor/events?kind=…): the
// console serves index.html for every non-API path, but a hash keeps
// reloads and links working without asking more of the server.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash) {
  const h = (hash || '').replace(/^#/, '') || '/radar';
  const [path, qs] = h.split('?');
  const params = Object.fromEntries(new URLSearchParams(qs || ''));
  return { path, params, parts: path.split('/').filter(Boolean).map(decodeURIComponent) };
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(path) { location.hash = '#' + path; }

export const imageHref = (digest) => '#/images/' + encodeURIComponent(digest);
