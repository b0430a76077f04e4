import { z } from 'zod';
import { AgentConfigImportResult, AgentConfigList, AgentConfigPathInput, AgentConfigPreview } from './agent-configs.js';
import { AuditPage, AuditQuery, AuditVerifyResult } from './audit.js';
import { CommandConfirmInput, CommandConfirmResult, CommandPrompt } from './commands.js';
import { AccessRequestInput, AccessResponse, ConsentPrompt, ConsentRespondInput, Grant, ListGrantsInput, RevokeGrantInput } from './consent.js';
import {
  Connection,
  ConnectionsPage,
  ConnectionsPageInput,
  ConnectionIdInput,
  CreateConnectionInput,
  ListConnectionsInput,
  SetSecretInput,
  TestDraftInput,
  TestResult,
  UpdateConnectionInput,
} from './connections.js';
import { ExtensionConnection, ExtensionConnectionsQuery, ExtensionFolderInput, ExtensionFolderPreview, ExtensionInfo, InstallExtensionInput, RunExtensionCommandInput, RunExtensionCommandResult, SetExtensionEnabledInput } from './extensions.js';
import {
  HttpFetchRequest,
  HttpFetchResponse,
  McpCallRequest,
  McpCallResult,
  RedisCommandRequest,
  RedisCommandResult,
  RevealResult,
  SmtpMessage,
  SmtpSendResult,
  SqlQueryRequest,
  SqlQueryResult,
  WebhookSendRequest,
  WebhookSendResult,
  withRef,
} from './operations.js';
import { ExportRecoveryKitInput, ExportRecoveryKitResult, KeysRotateInput, KeysRotateResult, RestoreFromKitInput, RestoreFromKitResult } from './keys.js';
import { ProviderInfo } from './providers.js';
import { ApplyImportInput, ExportConnectionsInput, ExportConnectionsResult, ImportPreview, ImportResult, ImportSource } from './transfer.js';
import { SignInStarted } from './oauth2.js';
import { StoreGenerations, StoreRestoreInput, StoreRestoreResult, SystemStatus } from './system.js';
import { OllamaModelInput, OllamaModelsResult, OllamaPullProgress, OllamaPullResult, OllamaPullsResult } from './ollama.js';
import { ConnectionUsage, OverridesList, RenderTemplateInput, RenderedTemplatePreview, SetVariableInput, Variable, VariableKeyInput } from './programs.js';

/**
 * The two Electron IPC channels every app call and event travel on (the channel map's name goes
 * inside the message). Named once here: the main process and the preload must agree on them.
 */
export const IPC_INVOKE_CHANNEL = 'latchkey:invoke';
export const IPC_EVENT_CHANNEL = 'latchkey:event';

export interface ChannelDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}
export type ChannelMap = Record<string, ChannelDef>;

const channel = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): ChannelDef<I, O> => ({ input, output });
const Empty = z.strictObject({}).default({});
const Ok = z.strictObject({ ok: z.literal(true) });

/** Every call the app's renderer may make to the broker. */
export const appChannels = {
  'connections:list': channel(ListConnectionsInput, z.array(Connection)),
  'connections:page': channel(ConnectionsPageInput, ConnectionsPage),
  'connections:get': channel(ConnectionIdInput, Connection),
  'connections:create': channel(CreateConnectionInput, Connection),
  'connections:update': channel(UpdateConnectionInput, Connection),
  'connections:delete': channel(ConnectionIdInput, Connection),
  'connections:restore': channel(ConnectionIdInput, Connection),
  'connections:purge': channel(ConnectionIdInput, Ok),
  'connections:setSecret': channel(SetSecretInput, Connection),
  'connections:replaceSecret': channel(SetSecretInput, Connection),
  'connections:setDefault': channel(ConnectionIdInput, Connection),
  'connections:test': channel(ConnectionIdInput, TestResult),
  'connections:testDraft': channel(TestDraftInput, TestResult),
  'connections:requestSecretAccess': channel(AccessRequestInput, AccessResponse),
  'consent:pending': channel(Empty, z.array(ConsentPrompt)),
  'consent:respond': channel(ConsentRespondInput, Ok),
  'commands:pending': channel(Empty, z.array(CommandPrompt)),
  'commands:confirm': channel(CommandConfirmInput, CommandConfirmResult),
  'grants:list': channel(ListGrantsInput, z.array(Grant)),
  'grants:revoke': channel(RevokeGrantInput, Grant),
  'audit:list': channel(AuditQuery, AuditPage),
  'audit:verify': channel(Empty, AuditVerifyResult),
  'providers:list': channel(Empty, z.array(ProviderInfo)),
  'extensions:list': channel(Empty, z.array(ExtensionInfo)),
  'extensions:setEnabled': channel(SetExtensionEnabledInput, ExtensionInfo),
  'system:status': channel(Empty, SystemStatus),
  'store:generations': channel(Empty, StoreGenerations),
  'store:restore': channel(StoreRestoreInput, StoreRestoreResult),
  'keys:rotate': channel(KeysRotateInput, KeysRotateResult),
  'keys:exportRecoveryKit': channel(ExportRecoveryKitInput, ExportRecoveryKitResult),
  'keys:restoreFromKit': channel(RestoreFromKitInput, RestoreFromKitResult),
  // Programs (issue 12): variables, the template tester (masked), environment overrides, "Used by".
  'variables:list': channel(Empty, z.array(Variable)),
  'variables:set': channel(SetVariableInput, Variable),
  'variables:delete': channel(VariableKeyInput, Ok),
  'templates:preview': channel(RenderTemplateInput, RenderedTemplatePreview),
  'overrides:list': channel(Empty, OverridesList),
  'usage:list': channel(Empty, z.array(ConnectionUsage)),
  'connections:export': channel(ExportConnectionsInput, ExportConnectionsResult),
  'connections:importPreview': channel(ImportSource, ImportPreview),
  'connections:import': channel(ApplyImportInput, ImportResult),
  'connections:signIn': channel(ConnectionIdInput, SignInStarted),
  // Ollama's models on an Ollama connection (issue 14): run by the person, never by an extension.
  'ollama:listModels': channel(ConnectionIdInput, OllamaModelsResult),
  'ollama:pull': channel(OllamaModelInput, OllamaPullResult),
  'ollama:cancelPull': channel(OllamaModelInput, Ok),
  'ollama:pulls': channel(ConnectionIdInput, OllamaPullsResult),
  'ollama:delete': channel(OllamaModelInput, Ok),
  // An extension's declared command, run by the person from the Extensions screen (issue 14).
  'extensions:runCommand': channel(RunExtensionCommandInput, RunExtensionCommandResult),
  'extensions:inspectFolder': channel(ExtensionFolderInput, ExtensionFolderPreview),
  'extensions:installFromFolder': channel(InstallExtensionInput, ExtensionInfo),
  // Import from agent configs (issue 13): known files, a masked dry run, the import (confirmed by the person).
  'agentConfigs:list': channel(Empty, AgentConfigList),
  'agentConfigs:preview': channel(AgentConfigPathInput, AgentConfigPreview),
  'agentConfigs:import': channel(AgentConfigPathInput, AgentConfigImportResult),
} satisfies ChannelMap;
export type AppChannels = typeof appChannels;

/** Events the broker pushes to the renderer. */
export const appEvents = {
  'consent:prompt': ConsentPrompt,
  'consent:resolved': z.strictObject({ promptId: z.string() }),
  'commands:prompt': CommandPrompt,
  'commands:resolved': z.strictObject({ promptId: z.string() }),
  'connections:changed': z.strictObject({ ids: z.array(z.string()) }),
  'grants:changed': z.strictObject({}),
  'extensions:changed': z.strictObject({}),
  'system:status': SystemStatus,
  'variables:changed': z.strictObject({ keys: z.array(z.string()) }),
  'usage:changed': z.strictObject({ ids: z.array(z.string()) }),
  'ollama:pullProgress': OllamaPullProgress,
} satisfies Record<string, z.ZodType>;
export type AppEvents = typeof appEvents;

/**
 * Every call an extension (or an agent) may make. The requester is never in the message:
 * the broker takes it from which extension's channel the message arrived on.
 */
export const extensionChannels = {
  'connections:list': channel(ExtensionConnectionsQuery, z.array(ExtensionConnection)),
  'secrets:requestAccess': channel(AccessRequestInput, AccessResponse),
  'secrets:reveal': channel(withRef({}), RevealResult),
  'http:fetch': channel(withRef({ request: HttpFetchRequest }), HttpFetchResponse),
  'sql:query': channel(withRef({ query: SqlQueryRequest }), SqlQueryResult),
  'smtp:send': channel(withRef({ message: SmtpMessage }), SmtpSendResult),
  'webhook:send': channel(withRef({ request: WebhookSendRequest }), WebhookSendResult),
  'mcp:callTool': channel(withRef({ call: McpCallRequest }), McpCallResult),
  'redis:command': channel(withRef(RedisCommandRequest.shape), RedisCommandResult),
} satisfies ChannelMap;
export type ExtensionChannels = typeof extensionChannels;
