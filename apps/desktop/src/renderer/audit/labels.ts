import type { AuditType } from '@latchkey/contracts';

/** An audit event type in words, for the table and the type filter. */
export const TYPE_LABELS: Record<AuditType, string> = {
  'connection.create': 'Connection created',
  'connection.update': 'Connection edited',
  'connection.delete': 'Connection deleted',
  'connection.restore': 'Connection restored',
  'connection.purge': 'Connection purged',
  'connection.test': 'Connection tested',
  'secret.set': 'Secret set',
  'secret.replace': 'Secret replaced',
  'secret.invalid': 'Secret unreadable',
  'secret.reveal': 'Secret revealed',
  'access.request': 'Access requested',
  'access.grant': 'Access granted',
  'access.deny': 'Access denied',
  'command.approve': 'Command approved',
  'command.deny': 'Command not approved',
  'grant.revoke': 'Grant revoked',
  'ref.use': 'Reference used',
  'ref.refused': 'Reference refused',
  'store.corrupt': 'Store file corrupt',
  'store.restore': 'Store restored',
  'key.rotate': 'Master key rotated',
  'key.recovery': 'Recovery kit made or used',
  'extension.crash': 'Extension crashed',
  'extension.state': 'Extension state changed',
  'boundary.refused': 'Message refused at a boundary',
  'audit.checkpoint': 'Audit log checkpoint',
  'audit.throttled': 'Requester throttled',
  'audit.integrity': 'Audit log tampering found',
  'variable.set': 'Variable set',
  'variable.replace': 'Variable value replaced',
  'variable.delete': 'Variable deleted',
  'template.use': 'Template used',
};

export const count = new Intl.NumberFormat('en-US');
