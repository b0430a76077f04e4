import { useId, type ReactNode } from 'react';

export interface DataScreenProps {
  title: string;
  /** One line under the title: what the screen is for. */
  lead: ReactNode;
  /** Controls in the header (a toggle, Refresh). */
  actions?: ReactNode;
  children: ReactNode;
}

/** A screen of records (Access, Audit, Extensions): titled section, lead line, header controls. */
export function DataScreen({ title, lead, actions, children }: DataScreenProps) {
  const titleId = useId();
  return (
    <section className="data-screen" aria-labelledby={titleId}>
      <header className="data-screen-header">
        <h1 id={titleId}>{title}</h1>
        <p className="data-screen-lead">{lead}</p>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A failure to load or act, announced at once. Renders nothing when there is none. */
export function FailureLine({ failure }: { failure: string | null }) {
  if (!failure) return null;
  return (
    <p role="alert" className="data-screen-failure">
      {failure}
    </p>
  );
}
