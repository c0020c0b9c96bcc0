export const root: string;
export function sourcesHash(): string;
export function buildIsCurrent(current?: string): boolean;
export function writeStamp(current?: string): void;
