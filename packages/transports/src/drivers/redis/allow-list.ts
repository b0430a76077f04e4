import { LatchkeyError } from '@latchkey/contracts';

/**
 * The Redis commands a ref may run: reads that neither change data nor block the server nor
 * reach beyond the connection's database. KEYS is left out (it walks the whole keyspace in one
 * blocking call; SCAN does the same job in steps); so are SORT (it can STORE), the GET* variants
 * that delete or expire (GETDEL, GETEX), and everything administrative (CONFIG, ACL, CLIENT, DEBUG…).
 */
export const READ_COMMANDS: ReadonlySet<string> = new Set([
  'PING', 'ECHO', 'INFO', 'DBSIZE', 'TIME',
  'GET', 'MGET', 'STRLEN', 'GETRANGE', 'EXISTS', 'TYPE', 'TTL', 'PTTL', 'SCAN',
  'HGET', 'HMGET', 'HGETALL', 'HKEYS', 'HVALS', 'HLEN', 'HEXISTS', 'HSCAN',
  'LRANGE', 'LLEN', 'LINDEX',
  'SMEMBERS', 'SISMEMBER', 'SCARD', 'SSCAN',
  'ZRANGE', 'ZRANGEBYSCORE', 'ZREVRANGE', 'ZCARD', 'ZSCORE', 'ZRANK', 'ZCOUNT', 'ZSCAN',
  'XRANGE', 'XREVRANGE', 'XLEN',
]);

/**
 * The command in upper case, or DENIED. Checked before anything reaches the server, so a
 * refused command never runs, whatever the user's ACL would have allowed.
 */
export function allowedCommand(command: string): string {
  const name = command.toUpperCase();
  if (!READ_COMMANDS.has(name)) throw new LatchkeyError('DENIED', `Redis command ${name} is not allowed: a SecretRef runs only read commands (${[...READ_COMMANDS].slice(0, 8).join(', ')}…)`);
  return name;
}
