// SPDX-License-Identifier: Apache-2.0
// The app shell: who is logged in, the top navigation (Radar, Monitor,
// Defend, Manage) and the page for the current route.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post, setCsrf, setUnauthorizedHandler } from './api.js';
import { useRoute } from './router.js';
import { Loading } from './ui.jsx';
import { Login } from './pages/login.jsx';
import { Radar } from './pages/radar.jsx';
import { Monitor } from './pages/monitor.jsx';
import { ImageDetail } from './pages/image.jsx';
import { Defend } from './pages/defend.jsx';
import { Manage } from './pages/manage.jsx';
import './style.css';

const SECTIONS = [
  ['radar', 'Radar'],
  ['monitor', 'Monitor'],
  ['defend', 'Defend'],
  ['manage', 'Manage'],
];

function Page({ route, me }) {
  const [top] = route.parts;
  switch (top) {
    case 'monitor': return <Monitor route={route} />;
    case 'images': return <ImageDetail digest={route.parts.slice(1).join('/')} />;
    case 'defend': return <Defend route={route} me={me} />;
    case 'manage': return <Manage route={route} me={me} />;
    default: return <Radar />;
  }
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState(undefined); // undefined: asking; null: logged out

  useEffect(() => {
    setUnauthorizedHandler(() => { setCsrf(null); setMe(null); });
    get('/me').then(
      (m) => { setCsrf(m.csrf); setMe(m); },
      () => setMe(null),
    );
  }, []);

  if (me === undefined) return <main><Loading what="session" /></main>;
  if (me === null) return <Login onLogin={(m) => { setCsrf(m.csrf); setMe(m); }} />;

  const logout = async () => {
    try { await post('/logout'); } catch { /* the session is gone either way */ }
    setCsrf(null);
    setMe(null);
  };
  const top = route.parts[0] === 'images' ? 'monitor' : (route.parts[0] || 'radar');
  return (
    <>
      <header class="top">
        <span class="brand" aria-label="moat console">moat</span>
        <nav aria-label="Main">
          {SECTIONS.map(([id, text]) => (
            <a href={`#/${id}`} aria-current={top === id ? 'page' : undefined}>{text}</a>
          ))}
        </nav>
        <span class="who">
          <span aria-label="Signed in as">{me.user}</span> <span class="role">{me.role}</span>
          <button type="button" onClick={logout}>Log out</button>
        </span>
      </header>
      <main>
        <Page route={route} me={me} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app'));
