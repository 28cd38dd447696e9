/** The Zoho SDK folder's public surface: the gateway, and the transport's counters for tests. */
export { createSdkGateway, type SdkGatewayOptions } from './gateway.js';
export { callKindOf, sdkTransportStats } from './transport.js';
