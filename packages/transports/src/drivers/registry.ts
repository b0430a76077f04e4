import type { DriverDescriptor } from './descriptor.js';
import { mcp } from './mcp/index.js';
import { mssql } from './mssql/index.js';
import { mysql } from './mysql/index.js';
import { postgres } from './postgres/index.js';
import { redis } from './redis/index.js';
import { smtp } from './smtp/index.js';
import { sqlite } from './sqlite/index.js';
import { webhook } from './webhook/index.js';

/**
 * Every connection type a driver serves, by the manifest's `transport`. The only list of
 * kinds: dispatch, "is this a database" and the fields a manifest must declare all derive from it.
 * Descriptors are light; each loads its driver on first use.
 */
export const DRIVERS: ReadonlyMap<string, DriverDescriptor> = new Map([postgres, mysql, sqlite, mssql, smtp, webhook, mcp, redis].map((d) => [d.kind, d]));
