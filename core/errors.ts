/**
 * An error whose message is complete for the user (names the file and the problem). The CLI prints
 * any error as one line; set MILA_DEBUG=1 to see the stack as well.
 */
export class UserError extends Error {
  override name = 'UserError';
}

export function formatError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
