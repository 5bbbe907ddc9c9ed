import { describe, expect, it } from 'vitest';
import { createColors } from './colors.js';
import { renderKeyValue } from './key-value.js';
import { renderTable } from './table.js';
import { terminalSafe } from './terminal-safe.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const hostile = { id: 'u1', name: 'Mallory\u001b[2J\u001b]0;pwned\u0007\u009b31m', email: 'm@example.com' };

describe('values printed for people', () => {
  it('show control characters as visible symbols instead of obeying them', () => {
    expect(terminalSafe('a\u001b[2Jb\u0000\u007f\u009b')).toBe('a\u241b[2Jb\u2400\u2421\\x9b');
  });

  it('never reach a table or labelled lines raw, for people or for scripts', () => {
    for (const forPeople of [true, false]) {
      const presentation = { colors: createColors(false), forPeople };
      const table = renderTable([hostile], ['id', 'name', 'email'], presentation);
      const single = renderKeyValue(hostile, ['id'], presentation);
      for (const text of [table, single]) {
        expect(text).not.toMatch(CONTROL);
        expect(text).toContain('Mallory\u241b[2J\u241b]0;pwned\u2407\\x9b31m');
      }
    }
  });
});
