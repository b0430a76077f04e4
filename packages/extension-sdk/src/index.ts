export { defineExtension, type ContextSurface, type RevealResult, type CommandHandler, type Disposable, type Extension, type ExtensionContext } from './extension.js';
export { createExtensionContext, COMMAND_NAME, type ContextOptions } from './context.js';
export type {
  AccessRequestInput,
  AccessResponse,
  Connection,
  ExtensionConnection,
  ExtensionPackageManifest,
  HttpFetchRequest,
  HttpFetchResponse,
  Json,
  ProviderManifestInput,
  Scope,
  SecretRef,
  SmtpMessage,
  SqlQueryResult,
} from '@latchkey/contracts';
export { LatchkeyError, isLatchkeyError } from '@latchkey/contracts';
