'use client';

import { Toaster as Sonner } from 'sonner';
import { useDark } from '../layout/use-dark';

/**
 * One toaster for the app; actions answer through it with a link to what they
 * created. Its theme is the page's (the toggle), not the system's.
 */
export function Toaster() {
  const dark = useDark();
  return <Sonner position="bottom-right" richColors closeButton theme={dark ? 'dark' : 'light'} />;
}
