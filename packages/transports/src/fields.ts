import { MCP_FIELDS } from './mcp.js';
import { SMTP_FIELDS } from './smtp.js';
import { MSSQL_FIELDS } from './sql/mssql.js';
import { MYSQL_FIELDS } from './sql/mysql.js';
import { POSTGRES_FIELDS } from './sql/postgres.js';
import { SQLITE_FIELDS } from './sql/sqlite.js';
import { WEBHOOK_FIELDS } from './webhook.js';

/** The config and secret field names each transport reads: a provider manifest for that transport must declare them. */
export const TRANSPORT_FIELDS: Record<string, { config: readonly string[]; secrets: readonly string[] }> = {
  postgres: POSTGRES_FIELDS,
  mysql: MYSQL_FIELDS,
  sqlite: SQLITE_FIELDS,
  mssql: MSSQL_FIELDS,
  smtp: SMTP_FIELDS,
  webhook: WEBHOOK_FIELDS,
  mcp: MCP_FIELDS,
};
