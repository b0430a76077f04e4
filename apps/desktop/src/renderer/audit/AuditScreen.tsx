import { AuditType, type AuditEvent, type AuditIntegrity, type AuditPage, type AuditQuery, type AuditVerifyResult, type LatchkeyApi } from '@latchkey/contracts';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorMessage, formatDateTime, requesterLabel } from '../consent/describe.js';
import { auditToCsv, auditToJson, downloadText } from './export.js';
import '../access/data-screen.css';

export interface AuditScreenProps {
  /** Defaults to `window.latchkey`; tests pass the API built over their broker. */
  api?: LatchkeyApi;
  /** Events per page. */
  pageSize?: number;
}

const TYPE_LABELS: Record<AuditType, string> = {
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
  'grant.revoke': 'Grant revoked',
  'ref.use': 'Reference used',
  'ref.refused': 'Reference refused',
  'store.corrupt': 'Store file corrupt',
  'store.restore': 'Store restored',
  'extension.crash': 'Extension crashed',
  'extension.state': 'Extension state changed',
  'boundary.refused': 'Message refused at a boundary',
  'audit.checkpoint': 'Audit log checkpoint',
  'audit.throttled': 'Requester throttled',
  'audit.integrity': 'Audit log tampering found',
};

interface Filters {
  connectionId: string;
  requesterId: string;
  type: AuditType | '';
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { connectionId: '', requesterId: '', type: '', from: '', to: '' };

/** `datetime-local` values are local wall-clock time; the broker compares ISO instants. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function toQuery(filters: Filters): AuditQuery {
  const query: AuditQuery = {};
  if (filters.connectionId) query.connectionId = filters.connectionId;
  if (filters.requesterId.trim()) query.requesterId = filters.requesterId.trim();
  if (filters.type) query.types = [filters.type];
  const from = toIso(filters.from);
  const to = toIso(filters.to);
  if (from) query.from = from;
  if (to) query.to = to;
  return query;
}

const count = new Intl.NumberFormat('en-US');

export function verificationLine(result: AuditVerifyResult): string {
  if (result.ok) return `Verified: ${count.format(result.events)} ${result.events === 1 ? 'event' : 'events'}, no gaps`;
  if (result.brokenAt) return `Chain broken at event ${count.format(result.brokenAt.seq)} in ${result.brokenAt.file}: ${result.brokenAt.reason}`;
  return `Not verified: ${result.message}`;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Browses, filters, exports and verifies the hash-chained audit log. */
export function AuditScreen({ api = window.latchkey, pageSize = 50 }: AuditScreenProps) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  /** `before` cursors of the pages walked so far; the last one is the page on screen. */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [connectionNames, setConnectionNames] = useState<Map<string, string>>(new Map());
  const [requesterIds, setRequesterIds] = useState<string[]>([]);
  const [verification, setVerification] = useState<AuditVerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [refreshes, setRefreshes] = useState(0);
  const [integrity, setIntegrity] = useState<AuditIntegrity | null>(null);

  const before = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    api.audit
      .list({ ...toQuery(applied), before, limit: pageSize })
      .then((result) => {
        if (!live) return;
        setPage(result);
        setFailure(null);
      })
      .catch((error: unknown) => live && setFailure(errorMessage(error, 'Could not load the audit log.')));
    return () => {
      live = false;
    };
  }, [api, applied, before, pageSize, refreshes]);

  useEffect(() => {
    let live = true;
    Promise.all([api.connections.list(), api.connections.list({ deleted: true }), api.grants.list({ includeInactive: true }), api.extensions.list()])
      .then(([active, deleted, grants, extensions]) => {
        if (!live) return;
        setConnectionNames(new Map([...deleted, ...active].map((c) => [c.id, c.name])));
        setRequesterIds([...new Set([...grants.map((g) => g.requester.id), ...extensions.map((x) => x.id)])].sort());
      })
      .catch(() => {
        // Names and suggestions are conveniences; the log itself still shows ids.
      });
    return () => {
      live = false;
    };
  }, [api]);

  // What the startup check found (cut, deleted or rewritten files) and whether the chain is keyed.
  useEffect(() => {
    let live = true;
    const show = (status: { audit: AuditIntegrity }) => live && setIntegrity(status.audit);
    api.system.status().then(show, () => undefined);
    const off = api.on('system:status', show);
    return () => {
      live = false;
      off();
    };
  }, [api]);

  const verify = useCallback(async () => {
    setVerifying(true);
    try {
      setVerification(await api.audit.verify());
    } catch (error) {
      setVerification({ ok: false, events: 0, brokenAt: null, message: errorMessage(error, 'verification failed to run') });
    } finally {
      setVerifying(false);
    }
  }, [api]);
  useEffect(() => {
    void verify();
  }, [verify]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApplied(draft);
    setCursors([undefined]);
  };
  const clear = () => {
    setDraft(NO_FILTERS);
    setApplied(NO_FILTERS);
    setCursors([undefined]);
  };

  /** Every event matching the applied filters, walking the pages from newest to oldest. */
  const collectAll = async (): Promise<AuditEvent[]> => {
    const events: AuditEvent[] = [];
    let cursor: number | undefined;
    for (;;) {
      const result = await api.audit.list({ ...toQuery(applied), before: cursor, limit: 1000 });
      events.push(...result.events);
      // A cursor that does not move back would loop forever on a broken peer.
      if (result.nextBefore === null || (cursor !== undefined && result.nextBefore >= cursor)) return events;
      cursor = result.nextBefore;
    }
  };
  const exportAs = async (format: 'json' | 'csv') => {
    setExporting(true);
    try {
      const events = await collectAll();
      if (format === 'json') downloadText(auditToJson(events), `latchkey-audit-${stamp()}.json`, 'application/json');
      else downloadText(auditToCsv(events, connectionNames), `latchkey-audit-${stamp()}.csv`, 'text/csv');
    } catch (error) {
      setFailure(errorMessage(error, 'Could not export the audit log.'));
    } finally {
      setExporting(false);
    }
  };

  const field = <K extends keyof Filters>(key: K) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });
  const pageNumber = cursors.length;

  return (
    <section className="lk-data-screen" aria-labelledby="lk-audit-title">
      <header className="lk-data-screen__header">
        <h1 id="lk-audit-title">Audit</h1>
        <p className="lk-data-screen__lead">Every use of a secret, newest first. Entries are hash-chained, so a changed or missing entry shows.</p>
      </header>

      <p className="lk-data-screen__bar" data-testid="audit-verification">
        <span role="status" className={verification === null ? '' : verification.ok ? 'lk-data-screen__ok' : 'lk-data-screen__broken'}>
          {verification === null ? 'Verifying the audit chain…' : verificationLine(verification)}
        </span>
        <button type="button" className="lk-button" disabled={verifying} onClick={() => void verify()}>
          Verify again
        </button>
      </p>

      {integrity && <StartupCheck integrity={integrity} />}

      <form className="lk-data-screen__filters" onSubmit={apply} aria-label="Audit filters">
        <label>
          Connection
          <select {...field('connectionId')}>
            <option value="">All connections</option>
            {[...connectionNames].map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Requester id
          <input type="text" list="lk-audit-requesters" placeholder="Any requester" {...field('requesterId')} />
          <datalist id="lk-audit-requesters">
            {requesterIds.map((id) => (
              <option key={id} value={id} />
            ))}
          </datalist>
        </label>
        <label>
          Event type
          <select {...field('type')}>
            <option value="">All events</option>
            {AuditType.options.map((type) => (
              <option key={type} value={type}>
                {TYPE_LABELS[type]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} />
        </label>
        <button type="submit" className="lk-button">
          Apply filters
        </button>
        <button type="button" className="lk-button" onClick={clear}>
          Clear
        </button>
      </form>

      {failure && (
        <p role="alert" className="lk-data-screen__failure">
          {failure}
        </p>
      )}

      <div className="lk-data-screen__bar">
        <span data-testid="audit-summary">
          {page ? `${count.format(page.total)} matching ${page.total === 1 ? 'event' : 'events'} · page ${pageNumber}` : 'Loading events…'}
        </span>
        <span className="lk-spacer" />
        <button type="button" className="lk-button" onClick={() => setRefreshes((n) => n + 1)}>
          Refresh
        </button>
        <button type="button" className="lk-button" disabled={pageNumber === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <button
          type="button"
          className="lk-button"
          disabled={!page || page.nextBefore === null}
          onClick={() => page && page.nextBefore !== null && setCursors((c) => [...c, page.nextBefore ?? undefined])}
        >
          Older
        </button>
        <button type="button" className="lk-button" disabled={exporting} onClick={() => void exportAs('json')}>
          Export JSON
        </button>
        <button type="button" className="lk-button" disabled={exporting} onClick={() => void exportAs('csv')}>
          Export CSV
        </button>
      </div>

      {page && page.events.length === 0 ? (
        <p>No events match these filters.</p>
      ) : (
        page && (
          <table className="lk-data-table" aria-label="Audit events">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Requester</th>
                <th scope="col">Connection</th>
                <th scope="col">Scopes</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {page.events.map((e) => (
                <tr key={e.seq} data-seq={e.seq} data-type={e.type}>
                  <td>{e.seq}</td>
                  <td>{formatDateTime(e.at)}</td>
                  <td>{TYPE_LABELS[e.type]}</td>
                  <td>{e.outcome}</td>
                  <td>{e.requester ? requesterLabel(e.requester) : '—'}</td>
                  <td>{e.connectionId ? (connectionNames.get(e.connectionId) ?? e.connectionId) : '—'}</td>
                  <td>{e.scopes?.join(', ') ?? '—'}</td>
                  <td>{e.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </section>
  );
}

/** The startup check: a problem is shown as an alert, with each finding; a clean log says whether it is keyed. */
function StartupCheck({ integrity }: { integrity: AuditIntegrity }) {
  if (integrity.state === 'problem') {
    return (
      <div role="alert" className="lk-data-screen__failure" data-testid="audit-integrity">
        <strong>{integrity.message}</strong>
        <ul>
          {integrity.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <p className={integrity.keyed ? '' : 'lk-data-screen__broken'} data-testid="audit-integrity">
      {integrity.state === 'checking' ? 'Checking the audit log against its head…' : integrity.message}
    </p>
  );
}
