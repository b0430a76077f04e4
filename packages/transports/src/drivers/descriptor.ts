import type { CommandGate, DriverOperation, DriverOperations, ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { FieldRole } from '@latchkey/contracts';
import type { ClientRegistry } from '../clients.js';

/**
 * The config and secret field names a driver reads: a provider manifest for its kind must
 * declare them. `roles` says what a field means where the manifest must mark it so (the
 * renderer's TLS switch, the fields a stored secret is bound to).
 */
export interface TransportFields {
  config: readonly string[];
  secrets: readonly string[];
  /** Read from the secrets when the manifest marks the field secret, else from the settings. */
  secretOrConfig?: readonly string[];
  /** A provider may leave these out; the transport's defaults apply. */
  optional?: readonly string[];
  /** The role a manifest must give each of these fields. */
  roles?: Readonly<Record<string, FieldRole>>;
}

/** What every driver is handed when it is built: shared pools, bounds, the clock, the command gate. */
export interface DriverContext {
  clients: ClientRegistry;
  pool: { connectTimeoutMs: number; statementTimeoutMs: number; idleTimeoutMs: number; maxClients: number };
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  operationTimeoutMs: number;
  idleTimeoutMs: number;
  sqliteWasmPath?: string;
  sqliteWorkerPath?: string | URL;
  clock: { now: () => number };
  /** The gate in force now (the broker installs its own after start). */
  gate: () => CommandGate;
}

export type OperationHandlers = { [O in DriverOperation]?: (c: ResolvedConnection, input: DriverOperations[O]['input']) => Promise<DriverOperations[O]['output']> };

/** A loaded driver: its test, its operations, and what it holds open. */
export interface Driver {
  test(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome>;
  operations: OperationHandlers;
  /** Forgets what it keeps for a connection (pooled clients live in the shared ClientRegistry). */
  release?(connectionId: string): void | Promise<void>;
  close?(): Promise<void>;
}

/**
 * One connection type. Light on purpose: the registry imports every descriptor at start, and
 * `load` imports the driver itself (pg, tedious, the MCP SDK…) on first use.
 */
export interface DriverDescriptor {
  /** The manifest's `transport`. */
  kind: string;
  operations: readonly DriverOperation[];
  fields: TransportFields;
  load(context: DriverContext): Promise<Driver>;
}
