/**
 * `npm start`: reads the configuration (stopping with every problem listed), starts the connector,
 * and says where to go. Without ZOHO_CLIENT_ID it is the sandbox, with the Zoho CRM emulator inside.
 */
import { launch } from './launch.js';

await launch();
