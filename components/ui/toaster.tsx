'use client';

import { Toaster as Sonner } from 'sonner';

/** One toaster for the app; actions answer through it with a link to what they created. */
export function Toaster() {
  return <Sonner position="bottom-right" richColors closeButton theme="system" />;
}
