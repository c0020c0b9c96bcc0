'use client';

import { useSyncExternalStore } from 'react';

/**
 * Whether the page is dark: the `dark` class on <html>, set before the first
 * paint by the root layout's script and toggled by ThemeToggle. Widgets that
 * draw their own colours (the JSON editor, the toasts) follow it live.
 */
export function useDark(): boolean {
  return useSyncExternalStore(subscribe, isDark, () => false);
}

const isDark = () => document.documentElement.classList.contains('dark');

function subscribe(onChange: () => void) {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
