import { describe, expect, it } from 'vitest';
import { safeCallbackPath } from './callback-path';

describe('where a sign-in may lead back to', () => {
  it('keeps a path of the dashboard, with its query and hash', () => {
    expect(safeCallbackPath('/runs/abc/steps/deploy')).toBe('/runs/abc/steps/deploy');
    expect(safeCallbackPath('/runs/abc?attempt=2&step=deploy#attempt-1')).toBe('/runs/abc?attempt=2&step=deploy#attempt-1');
    expect(safeCallbackPath('/')).toBe('/');
  });

  it('refuses anything a browser could read as another site', () => {
    for (const evil of [
      '//evil.com',
      '//evil.com/runs',
      'https://evil.com',
      'http://evil.com/runs',
      '/\\evil.com',
      '\\\\evil.com',
      '/\t/evil.com',
      '/\n/evil.com',
      'javascript:alert(1)',
      'evil.com',
      '',
    ]) {
      expect(safeCallbackPath(evil), evil).toBeNull();
    }
    expect(safeCallbackPath(undefined)).toBeNull();
    expect(safeCallbackPath(['/runs'])).toBeNull();
  });

  it('does not lead back to the sign-in itself', () => {
    expect(safeCallbackPath('/sign-in?callbackUrl=%2F')).toBeNull();
    expect(safeCallbackPath('/api/auth/signout')).toBeNull();
  });
});
