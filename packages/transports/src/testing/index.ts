/** Real peers on loopback for tests (this package's and the apps'): each starts in a temp folder and stops by PID. */
export { startAiServer, documentedPullLines, type AiProvider, type AiServer, type AiServerOptions } from './ai-server.js';
export { startMariadb, mariadbUnavailable, type MariadbPeer } from './mariadb-peer.js';
export { startPostgres, postgresUnavailable, type PostgresPeer } from './postgres-peer.js';
export { freePort, startSilentServer } from './ports.js';
export { startSmtp, type SmtpPeer, type ReceivedMail } from './smtp-peer.js';
export { selfSignedCertificate, opensslUnavailable, type TestCertificate } from './tls.js';
export { startWebhookReceiver, verifyLatchkeySignature, type WebhookReceiver, type ReceivedWebhook } from './webhook-receiver.js';
export { BUILT_IN_PACKS, EXTENSIONS_DIR, providerManifest, readPack, resolvedConnection } from './packs.js';
export { EVERYTHING_SERVER, FILESYSTEM_SERVER, startEverythingHttp, startTokenMcpServer } from './mcp-peers.js';
export { startOidcPeer, signInAsPerson, confirmDeviceAsPerson, type OidcPeer } from './oidc-peer.js';
