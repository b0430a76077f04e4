/**
 * `LATCHKEY_CONN_<ID>` and `LATCHKEY_VAR_<KEY>`, as the composition root read them from its
 * environment (the broker itself reads no environment: it stays free of Node). They win over the
 * store, which wins over the providers' defaults. Values stay in this object's memory: nothing
 * here is ever written to the store, and a URI's password is never shown.
 */
export const CONNECTION_PREFIX = 'LATCHKEY_CONN_';
export const VARIABLE_PREFIX = 'LATCHKEY_VAR_';

export type EnvironmentInput = Readonly<Record<string, string | undefined>>;

export interface ConnectionOverrideEntry {
  /** The environment variable, e.g. LATCHKEY_CONN_WAREHOUSE. */
  variable: string;
  /** What follows the prefix, as written. */
  suffix: string;
  uri: string;
}

export interface VariableOverrideEntry {
  variable: string;
  value: string;
}

/** Upper case, anything but letters and digits as `_`: how an id or a name is spelled in a variable name. */
export const envSpelling = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '_');

export class EnvironmentOverrides {
  readonly #connections: ConnectionOverrideEntry[] = [];
  readonly #variables = new Map<string, VariableOverrideEntry>();

  constructor(environment: EnvironmentInput = {}) {
    for (const [name, value] of Object.entries(environment)) {
      if (value === undefined || value === '') continue;
      if (name.startsWith(CONNECTION_PREFIX) && name.length > CONNECTION_PREFIX.length) {
        this.#connections.push({ variable: name, suffix: name.slice(CONNECTION_PREFIX.length), uri: value });
      } else if (name.startsWith(VARIABLE_PREFIX) && name.length > VARIABLE_PREFIX.length) {
        const key = name.slice(VARIABLE_PREFIX.length);
        this.#variables.set(envSpelling(key), { variable: name, value });
      }
    }
  }

  connections(): readonly ConnectionOverrideEntry[] {
    return this.#connections;
  }

  /** The override for a variable key (matched as its environment spelling), if one is set. */
  variable(key: string): VariableOverrideEntry | undefined {
    return this.#variables.get(envSpelling(key));
  }

  /** Keys as written after the prefix. */
  variableKeys(): string[] {
    return [...this.#variables.values()].map((v) => v.variable.slice(VARIABLE_PREFIX.length));
  }

  get empty(): boolean {
    return this.#connections.length === 0 && this.#variables.size === 0;
  }
}
