'use client';

import { createContext, useContext } from 'react';

/** What the reader of a page may do there (the view's `may`, decided on the server). */
export interface May {
  operate: boolean;
}

// Without a provider nothing is offered: a button appears only where the server said it may.
const MayContext = createContext<May>({ operate: false });

export function MayProvider({ may, children }: { may: May; children: React.ReactNode }) {
  return <MayContext.Provider value={may}>{children}</MayContext.Provider>;
}

export const useMay = () => useContext(MayContext);
