import { describe, expect, it } from 'vitest';
import { numberedPlaceholders } from '../../src/store/postgres-connection.js';

describe('numberedPlaceholders', () => {
  it('numbers each ? in order, leaving those inside quoted strings and names alone', () => {
    expect(numberedPlaceholders(`SELECT '?', "a?b" FROM t WHERE x = ? AND y IN (?, ?) AND z = 'it''s ?'`)).toBe(
      `SELECT '?', "a?b" FROM t WHERE x = $1 AND y IN ($2, $3) AND z = 'it''s ?'`,
    );
  });
});
