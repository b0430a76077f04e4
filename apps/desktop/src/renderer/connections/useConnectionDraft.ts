import { useEffect, useMemo, useState } from 'react';
import { useForm, type FieldErrors, type Resolver } from 'react-hook-form';
import { canonicalJson, ConnectionName, targetFields, visibleFields, type Connection, type ProviderInfo, type TestResult } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorCode, errorIssues, errorMessage } from '../ui/errors';
import { checkDraft, fieldValues, hostFieldName, initialConfig, tlsDefaultFor, tlsField, type FormConfig } from './draft';
import type { TestState } from './TestResultView';

export interface FormValues {
  name: string;
  config: FormConfig;
}

export interface FormFailure {
  message: string;
  /** The broker cannot encrypt right now: offer to save without the secrets. */
  cipher: boolean;
}

/**
 * The draft of one connection, from first keystroke to saved: the form values (validated by the
 * same compiled schema as the broker), which stored secrets are kept or being replaced, the TLS
 * default that follows the host until the person chooses, the test of the draft, and saving it.
 * A changed target field is tracked so the form can say it clears the kept secrets.
 */
export function useConnectionDraft(provider: ProviderInfo, connection: Connection | undefined, onSaved: (connection: Connection, created: boolean) => void, copyOf?: Connection) {
  const api = useApi();
  const manifest = provider.manifest;
  const stored = useMemo(() => new Set(Object.entries(connection?.secretFields ?? {}).filter(([, s]) => s === 'set').map(([k]) => k)), [connection]);
  const [replacing, setReplacing] = useState<ReadonlySet<string>>(() => new Set());
  const keptSecrets = useMemo(() => new Set([...stored].filter((name) => !replacing.has(name))), [stored, replacing]);
  const [test, setTest] = useState<TestState>({ kind: 'idle' });
  const [formError, setFormError] = useState<FormFailure | null>(null);

  const resolver: Resolver<FormValues> = async (values) => {
    const errors: FieldErrors<FormValues> = {};
    const name = ConnectionName.safeParse(values.name);
    if (!name.success) errors.name = { type: 'validate', message: name.error.issues[0]?.message ?? 'Name is required' };
    const check = checkDraft(manifest, values.config, { requireSecrets: false, storedSecrets: keptSecrets });
    if (!check.ok) errors.config = Object.fromEntries(Object.entries(check.errors).map(([k, message]) => [k, { type: 'validate', message }])) as FieldErrors<FormConfig>;
    return Object.keys(errors).length > 0 ? { values: {}, errors } : { values, errors: {} };
  };

  const form = useForm<FormValues>({
    // A copy starts from the original's settings (initialConfig leaves every secret blank).
    defaultValues: { name: connection?.name ?? (copyOf ? `${copyOf.name} copy` : ''), config: initialConfig(manifest, connection ?? copyOf) },
    resolver,
    mode: 'onTouched',
  });
  const { watch, setValue, setError, getValues } = form;
  const config = watch('config');
  const shown = visibleFields(manifest.fields, fieldValues(manifest.fields, config));
  // Editing a saved connection: a changed target field will drop the stored secrets kept here.
  const savedConfig = useMemo(() => (connection ? initialConfig(manifest, connection) : null), [manifest, connection]);
  const targetNames = useMemo(() => new Set(targetFields(manifest).map((f) => f.name)), [manifest]);
  const keptSecretFields = manifest.fields.filter((f) => keptSecrets.has(f.name));

  // SSL on for a host that is not loopback, until the person chooses themselves.
  const hostName = useMemo(() => hostFieldName(manifest), [manifest]);
  const tls = useMemo(() => tlsField(manifest), [manifest]);
  const hostValue = hostName ? String(config[hostName] ?? '') : '';
  const [tlsChosen, setTlsChosen] = useState(false);
  useEffect(() => {
    if (!tls || connection || copyOf || tlsChosen) return;
    const on = tlsDefaultFor(hostValue);
    if (on === null) return;
    const wanted = on ? tls.on : tls.off;
    if (getValues(`config.${tls.name}`) !== wanted) setValue(`config.${tls.name}`, wanted);
  }, [hostValue, tls, connection, copyOf, tlsChosen, getValues, setValue]);

  function showServerError(error: unknown) {
    let placed = false;
    for (const issue of errorIssues(error)) {
      const key = issue.path.replace(/^(config|secrets)\./, '');
      if (key === 'name') {
        setError('name', { type: 'server', message: issue.message });
        placed = true;
      } else if (manifest.fields.some((f) => f.name === key)) {
        setError(`config.${key}`, { type: 'server', message: issue.message });
        placed = true;
      }
    }
    if (!placed || errorCode(error) !== 'VALIDATION') setFormError({ message: errorMessage(error), cipher: errorCode(error) === 'CIPHER_UNAVAILABLE' });
  }

  async function save(values: FormValues, withSecrets = true) {
    setFormError(null);
    const check = checkDraft(manifest, values.config, { requireSecrets: false, storedSecrets: keptSecrets });
    if (!check.ok) return;
    const secrets = withSecrets ? check.secrets : {};
    try {
      const saved = connection
        ? await api.connections.update({ id: connection.id, name: values.name, config: check.config, ...(Object.keys(secrets).length > 0 ? { secrets } : {}) })
        : await api.connections.create({ providerId: manifest.id, name: values.name, config: check.config, secrets });
      onSaved(saved, !connection);
      return saved;
    } catch (error) {
      showServerError(error);
      return undefined;
    }
  }

  async function runTest() {
    setFormError(null);
    const values = getValues();
    const check = checkDraft(manifest, values.config, { requireSecrets: true, storedSecrets: keptSecrets });
    if (!check.ok) {
      for (const [key, message] of Object.entries(check.errors)) setError(`config.${key}`, { type: 'validate', message }, { shouldFocus: true });
      setTest({ kind: 'idle' });
      return;
    }
    setTest({ kind: 'running' });
    try {
      // Compared with what is stored, not with the form's dirty flag: react-hook-form only
      // tracks that flag once it has been read during render, so the first test missed edits.
      const unchanged = connection && sameValues(check.config, connection.config) && Object.keys(check.secrets).length === 0;
      const result: TestResult = unchanged
        ? await api.connections.test({ id: connection.id })
        : await api.connections.testDraft({ providerId: manifest.id, config: check.config, secrets: check.secrets, ...(connection ? { connectionId: connection.id } : {}) });
      setTest({ kind: 'done', result });
    } catch (error) {
      setTest({ kind: 'failed', message: errorMessage(error) });
    }
  }

  /** A stored secret: "Replace" opens an input for a new value, "Keep saved value" closes it again. */
  const secrets = {
    stored,
    isReplacing: (name: string) => replacing.has(name),
    replace: (name: string) => setReplacing(new Set([...replacing, name])),
    keep: (name: string) => {
      setValue(`config.${name}`, '');
      setReplacing(new Set([...replacing].filter((n) => n !== name)));
    },
  };

  return { form, config, shown, savedConfig, targetNames, keptSecretFields, tls, onTlsChosen: () => setTlsChosen(true), secrets, test, formError, save, runTest };
}

/** Same keys and values, whatever their order. */
function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
