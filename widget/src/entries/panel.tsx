/** Entry point of panel.html (a record's detail page in Zoho CRM, or the sandbox host page). */
import '../ui/styles.css';
import { render } from 'preact';
import { createZohoHost } from '../host/zohoHost';
import { PanelApp } from '../panel/PanelApp';
import { createPanelController } from '../panel/panelController';

const host = createZohoHost(window);
const controller = createPanelController(host);

render(<PanelApp controller={controller} host={host} />, document.getElementById('app')!);
void controller.start();
