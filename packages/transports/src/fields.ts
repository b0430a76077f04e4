import type { TransportFields } from './drivers/descriptor.js';
import { DRIVERS } from './drivers/registry.js';

export type { TransportFields } from './drivers/descriptor.js';

/** The config and secret field names each transport reads, from its driver's descriptor. */
export const TRANSPORT_FIELDS: Record<string, TransportFields> = Object.fromEntries([...DRIVERS].map(([kind, d]) => [kind, d.fields]));
