/**
 * Quotes argv for a POSIX shell (what sshd hands an exec request to): every word in single
 * quotes, an embedded ' as '\''. Nothing inside single quotes is special, so no argument can
 * become a second command, a redirection or an expansion.
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
}
