/** Public API of the server layer: listen, report the address, close with a drain. */
export { createServer } from './create-server.js';
export type { ProxytapeServer, ServerListener, UpgradeListener } from './create-server.js';
export { SERVER_DEFAULTS } from './options.js';
export type { CloseOptions, ServerOptions } from './options.js';
export { ListenError, isListenError } from './listen.js';
export { toRequestListener } from './to-request-listener.js';
export type { RequestListenerOptions } from './to-request-listener.js';
