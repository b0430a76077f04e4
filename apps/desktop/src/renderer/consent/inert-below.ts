import { useCallback, useLayoutEffect, useRef } from 'react';

/** Marks the consent modal's own nodes (overlay and content), which stay live. */
export const CONSENT_LAYER_ATTRIBUTE = 'data-lk-consent-layer';

/**
 * While `active`, every other top-level node of the page is `inert`: the app and any dialog
 * already open under the prompt (a connection form, the provider picker, a confirm dialog) take
 * no clicks, no focus and leave the accessibility tree. Radix's own `aria-hidden` cannot be
 * trusted for this: it keeps visible any subtree holding an `aria-live` region, and the forms
 * have one. Nodes added while the prompt is open (a toast, a dialog opened by a timer) go inert
 * too. Only the attributes this hook set are removed afterwards, so the dialog below comes back
 * exactly as it was, with its state.
 *
 * Focus: making the focused element's dialog inert blurs it, so Radix's own "focus what had focus
 * before" would find the page body. The hook keeps the element that had focus before the prompt,
 * and `restoreFocus` (called from the prompt's close-autofocus) gives it back.
 */
export function useInertBelow(active: boolean): { restoreFocus(): boolean } {
  const before = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    if (!active) return;
    before.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    const made = new Set<Element>();
    const quiet = (node: Element) => {
      if (node.hasAttribute(CONSENT_LAYER_ATTRIBUTE) || node.querySelector(`[${CONSENT_LAYER_ATTRIBUTE}]`)) return;
      // Radix's focus guards must stay focusable so its focus trap can wrap Tab.
      if (node.hasAttribute('data-radix-focus-guard') || node.hasAttribute('inert')) return;
      if (node.tagName === 'SCRIPT' || node.tagName === 'STYLE') return;
      node.setAttribute('inert', '');
      made.add(node);
    };
    for (const child of Array.from(document.body.children)) quiet(child);
    const observer = new MutationObserver((records) => {
      for (const record of records) for (const node of Array.from(record.addedNodes)) if (node instanceof Element) quiet(node);
    });
    observer.observe(document.body, { childList: true });
    return () => {
      observer.disconnect();
      for (const node of made) node.removeAttribute('inert');
    };
  }, [active]);

  const restoreFocus = useCallback(() => {
    const element = before.current;
    before.current = null;
    if (!element?.isConnected || element.closest('[inert]')) return false;
    element.focus({ preventScroll: true });
    return document.activeElement === element;
  }, []);
  return { restoreFocus };
}
