import { useEffect } from 'react';
import { CONSENT_LAYER_ATTRIBUTE } from '../consent/inert-below';

const typing = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

/** Ctrl+K / ⌘K anywhere; ? anywhere but in a field. Never while a consent prompt is open (it owns the keyboard). */
export function useGlobalShortcuts(on: { palette(): void; shortcuts(): void }) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (document.querySelector(`[${CONSENT_LAYER_ATTRIBUTE}]`)) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        on.palette();
      } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !typing(event.target)) {
        event.preventDefault();
        on.shortcuts();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [on]);
}
