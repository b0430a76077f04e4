import type { AuditEvent, AuditPage, LatchkeyApi } from '@latchkey/contracts';
import { useEffect, useState } from 'react';
import { errorMessage } from '../ui/errors.js';
import { auditToCsv, auditToJson, downloadText } from './export.js';
import { NO_FILTERS, toQuery, type Filters } from './filters.js';

/**
 * The page on screen under the applied filters. Paging walks `before` cursors: the list of
 * cursors walked so far is the way back ("Newer"); applying filters starts again at the newest.
 */
export function useAuditPages(api: LatchkeyApi, pageSize: number) {
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  /** `before` cursors of the pages walked so far; the last one is the page on screen. */
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [refreshes, setRefreshes] = useState(0);
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

  return {
    applied,
    page,
    pageNumber: cursors.length,
    failure,
    setFailure,
    apply: (filters: Filters) => {
      setApplied(filters);
      setCursors([undefined]);
    },
    refresh: () => setRefreshes((n) => n + 1),
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: () => page && page.nextBefore !== null && setCursors((c) => [...c, page.nextBefore ?? undefined]),
  };
}

/** Connection names and requester ids for the filters: conveniences, so failures stay quiet. */
export function useAuditLookups(api: LatchkeyApi) {
  const [connectionNames, setConnectionNames] = useState<Map<string, string>>(new Map());
  const [requesterIds, setRequesterIds] = useState<string[]>([]);
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
  return { connectionNames, requesterIds };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Every event matching `filters`, walking the pages from newest to oldest. */
async function collectAll(api: LatchkeyApi, filters: Filters): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: number | undefined;
  for (;;) {
    const result = await api.audit.list({ ...toQuery(filters), before: cursor, limit: 1000 });
    events.push(...result.events);
    // A cursor that does not move back would loop forever on a broken peer.
    if (result.nextBefore === null || (cursor !== undefined && result.nextBefore >= cursor)) return events;
    cursor = result.nextBefore;
  }
}

/** Exports every event under the applied filters (not only the page on screen) as a download. */
export function useAuditExport(api: LatchkeyApi, onFailure: (message: string) => void) {
  const [exporting, setExporting] = useState(false);
  const exportAs = async (format: 'json' | 'csv', filters: Filters, connectionNames: Map<string, string>) => {
    setExporting(true);
    try {
      const events = await collectAll(api, filters);
      if (format === 'json') downloadText(auditToJson(events), `latchkey-audit-${stamp()}.json`, 'application/json');
      else downloadText(auditToCsv(events, connectionNames), `latchkey-audit-${stamp()}.csv`, 'text/csv');
    } catch (error) {
      onFailure(errorMessage(error, 'Could not export the audit log.'));
    } finally {
      setExporting(false);
    }
  };
  return { exporting, exportAs };
}
