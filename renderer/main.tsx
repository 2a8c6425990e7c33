import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient, enableCspSafeValidation, type OutpostClient } from '../core/contract';
import { App } from './app/App';
import { viewFromHash } from './navigation/hash-route';
import { chooseBridge } from './transport/choose-bridge';
import './styles/app.css';

enableCspSafeValidation();

// The bridge must be chosen first: it takes the host token out of location.hash.
const bridge = chooseBridge(window);
const client = createClient(bridge);

// Only over the headless host (development and e2e), the typed client is reachable from
// devtools and Playwright as window.__outpost. It adds no power there: any script on this origin
// could open the same socket with the token in sessionStorage. The Electron build never sets it.
if (bridge.kind === 'host') {
  (window as Window & { __outpost?: OutpostClient }).__outpost = client;
}

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <App client={client} bridge={bridge} initialView={viewFromHash(window.location.hash) ?? 'inventory'} />
  </StrictMode>,
);
