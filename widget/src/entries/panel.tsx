/** Entry point of panel.html (a record's detail page in Zoho CRM, or the sandbox host page). */
import '../ui/styles.css';
import { render } from 'preact';
import { createZohoHost } from '../host/zohoHost';
import { createPanelClient } from '../api/panelClient';
import { resolveConfig } from '../config';
import { PanelApp } from '../panel/PanelApp';
import { createPanelController } from '../panel/panelController';

const host = createZohoHost(window);
const config = resolveConfig(window.location, import.meta.env.VITE_BACKEND_URL);
const controller = createPanelController(host, createPanelClient({ baseUrl: config.backendUrl }));

render(<PanelApp controller={controller} host={host} />, document.getElementById('app')!);
void controller.start();
