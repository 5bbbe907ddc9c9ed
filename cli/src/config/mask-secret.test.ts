import { describe, expect, it } from 'vitest';
import { maskSecret } from './mask-secret.js';

describe('masking secrets', () => {
  it('keeps only the first and last four characters of a long secret', () => {
    expect(maskSecret('eyJhbGciOiJIUzI1NiJ9.payload.signature-x9Q1')).toBe('eyJh…x9Q1');
  });

  it('shows nothing of a short secret', () => {
    expect(maskSecret('short-key')).toBe('****');
  });
});
