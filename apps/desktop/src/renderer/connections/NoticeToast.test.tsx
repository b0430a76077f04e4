// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOTICE_MS, NOTICE_WITH_ACTION_MS, NoticeToast } from './NoticeToast';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('NoticeToast', () => {
  it('dismisses itself after a while, and not while the pointer is on it', () => {
    const onDismiss = vi.fn();
    render(<NoticeToast notice={{ message: 'Saved “A”.' }} onUndo={() => undefined} onDismiss={onDismiss} />);
    fireEvent.mouseEnter(screen.getByRole('status'));
    act(() => vi.advanceTimersByTime(NOTICE_MS * 3));
    expect(onDismiss).not.toHaveBeenCalled();
    fireEvent.mouseLeave(screen.getByRole('status'));
    act(() => vi.advanceTimersByTime(NOTICE_MS - 1));
    expect(onDismiss).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(1));
    expect(onDismiss).toHaveBeenCalledTimes(1);
  });

  it('stays longer when it offers Undo', () => {
    const onDismiss = vi.fn();
    render(<NoticeToast notice={{ message: 'Moved to Trash.', undo: { id: 'x' } as never }} onUndo={() => undefined} onDismiss={onDismiss} />);
    act(() => vi.advanceTimersByTime(NOTICE_MS));
    expect(onDismiss).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(NOTICE_WITH_ACTION_MS - NOTICE_MS));
    expect(onDismiss).toHaveBeenCalledTimes(1);
  });
});
