import { MCP_FIELDS } from './mcp.js';
import { SMTP_FIELDS } from './smtp.js';
import { MSSQL_FIELDS } from './sql/mssql.js';
import { MYSQL_FIELDS } from './sql/mysql.js';
import { POSTGRES_FIELDS } from './sql/postgres.js';
import { SQLITE_FIELDS } from './sql/sqlite.js';
import { WEBHOOK_FIELDS } from './webhook.js';

/** The config and secret field names each transport reads: a provider manifest for that transport must declare them. */
export interface TransportFields {
  config: readonly string[];
  secrets: readonly string[];
  /** Read from the secrets when the manifest marks the field secret, else from the settings. */
  secretOrConfig?: readonly string[];
  /** A provider may leave these out; the transport's defaults apply. */
  optional?: readonly string[];
}

export const TRANSPORT_FIELDS: Record<string, TransportFields> = {
  postgres: POSTGRES_FIELDS,
  mysql: MYSQL_FIELDS,
  sqlite: SQLITE_FIELDS,
  mssql: MSSQL_FIELDS,
  smtp: SMTP_FIELDS,
  webhook: WEBHOOK_FIELDS,
  mcp: MCP_FIELDS,
};
