export { createHeadlessHost, DEFAULT_RENDERER_DIR, BUILT_IN_EXTENSIONS_DIR, type HeadlessHost, type HeadlessHostOptions } from './host.js';
export { startBridgeServer, type BridgeBroker, type BridgeServer, type BridgeServerOptions } from './server.js';
export { BRIDGE_SCRIPT_PATH, BRIDGE_SOCKET_PATH } from './bridge/protocol.js';
export { sessionCookieName } from './access.js';
