'use client';

/**
 * "Release hold" for a held environment, with a required reason.
 * Placeholder while the domain lands; replaced in this session.
 */
export function ReleaseHoldButton(_props: { environmentId: string; environment: string }) {
  return null;
}
