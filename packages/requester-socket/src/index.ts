export { startRequesterSocket, DEFAULT_SOCKET_LIMITS, type RequesterSocketServer, type RequesterSocketOptions, type RequesterSocketLimits } from './server.js';
export { connectRequester, type RequesterConnection, type ConnectOptions } from './client.js';
export { socketPathIn, tokenPathIn, readToken, ensureToken, ensurePrivateFolder } from './private-files.js';
