import { expect } from 'vitest';
import { UserError } from '../core/errors.js';

/**
 * `fn` must throw a UserError: one line, matching `pattern`, and starting with `prefix` (the file it names)
 * when given. The error every bad input should end in (see HOUSE-RULES).
 */
export function expectUserError(fn: () => unknown, pattern: RegExp, prefix?: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected an error matching ${pattern}`).toBeInstanceOf(UserError);
  const message = (thrown as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain('\n');
  if (prefix !== undefined) expect(message.startsWith(prefix), message).toBe(true);
}
