import { z } from 'zod';

/**
 * Characters a name must not hold: C0/C1 controls and DEL (tab, newline, BEL, ESC: they move the
 * cursor, ring, or start terminal escape sequences), format characters (bidi overrides such as
 * U+202E that reorder what is shown, zero-width U+200B/U+200D, U+FEFF) and the Unicode line and
 * paragraph separators. Such names render differently from what they are, break tables and logs,
 * and can colour or rewrite an operator's terminal. Also lone surrogates (U+D800-U+DFFF not in a
 * pair): they are not text, and SQLite stores them as U+FFFD, so the name read back is not the one
 * saved. The CLI's escaping uses the same class.
 */
export const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export const PLAIN_TEXT_MESSAGE = 'must not contain control, bidi or invisible characters or lone surrogates (tab, newline, ESC, U+202E, U+200B, U+D800...)';

/** The one refinement every name-like input field uses: no control, bidi or invisible characters. */
export function plainText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine((text) => !UNSAFE_CHARACTERS.test(text), { message: PLAIN_TEXT_MESSAGE });
}

/** A free-form name of something Outpost keeps (a site, a pool, a firewall, a list). */
export const nameText = (max: number) => plainText(z.string().trim().min(1).max(max));

/** An optional free-form label or note (a NAT's VM label, a pool's scope, a reservation's reason). */
export const labelText = (max: number) => plainText(z.string().trim().max(max));

export const siteName = nameText(100);
export const poolName = nameText(64);
export const firewallName = nameText(64);
export const credentialName = plainText(z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'a credential profile name: letters, digits, dots, dashes, underscores, @; up to 64'));
