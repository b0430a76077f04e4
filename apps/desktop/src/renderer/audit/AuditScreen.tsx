import { useState } from 'react';
import { useApi } from '../api.js';
import { AuditFilters } from './AuditFilters.js';
import { AuditIntegrityNotice } from './AuditIntegrityNotice.js';
import { AuditTable } from './AuditTable.js';
import { AuditVerification } from './AuditVerification.js';
import { NO_FILTERS, type Filters } from './filters.js';
import { count } from './labels.js';
import { useAuditExport, useAuditLookups, useAuditPages } from './useAuditData.js';
import { DataScreen, FailureLine } from '../ui/DataScreen.js';

export { verificationLine } from './AuditVerification.js';

export interface AuditScreenProps {
  /** Events per page. */
  pageSize?: number;
}

/** Browses, filters, exports and verifies the hash-chained audit log. */
export function AuditScreen({ pageSize = 50 }: AuditScreenProps) {
  const api = useApi();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const pages = useAuditPages(api, pageSize);
  const { connectionNames, requesterIds } = useAuditLookups(api);
  const { exporting, exportAs } = useAuditExport(api, pages.setFailure);
  const { page, pageNumber } = pages;

  return (
    <DataScreen title="Audit" lead="Every use of a secret, newest first. Entries are hash-chained, so a changed or missing entry shows.">

      <AuditVerification api={api} />

      <AuditIntegrityNotice api={api} />

      <AuditFilters
        draft={draft}
        onDraft={setDraft}
        onApply={() => pages.apply(draft)}
        onClear={() => {
          setDraft(NO_FILTERS);
          pages.apply(NO_FILTERS);
        }}
        connectionNames={connectionNames}
        requesterIds={requesterIds}
      />

      <FailureLine failure={pages.failure} />

      <div className="data-screen-bar">
        <span data-testid="audit-summary">
          {page ? `${count.format(page.total)} matching ${page.total === 1 ? 'event' : 'events'} · page ${pageNumber}` : 'Loading events…'}
        </span>
        <span className="spacer" />
        <button type="button" onClick={pages.refresh}>
          Refresh
        </button>
        <button type="button" disabled={pageNumber === 1} onClick={pages.newer}>
          Newer
        </button>
        <button type="button" disabled={!page || page.nextBefore === null} onClick={pages.older}>
          Older
        </button>
        <button type="button" disabled={exporting} onClick={() => void exportAs('json', pages.applied, connectionNames)}>
          Export JSON
        </button>
        <button type="button" disabled={exporting} onClick={() => void exportAs('csv', pages.applied, connectionNames)}>
          Export CSV
        </button>
      </div>

      {page && page.events.length === 0 ? <p>No events match these filters.</p> : page && <AuditTable events={page.events} connectionNames={connectionNames} />}
    </DataScreen>
  );
}
