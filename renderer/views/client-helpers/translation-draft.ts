import type { CommandInput } from '../../../core/contract';

export type TranslationFormat = CommandInput<'helpers.translate.preview'>['format'];
export type TranslationBackend = CommandInput<'helpers.translate.apply'>['backend'];
export type TranslationProtocol = 'tcp' | 'udp' | 'all';

export interface TranslationDraft {
  subnet: string;
  /** One forwarding address for the whole prefix, or a public prefix mapped address for address. */
  target: 'address' | 'prefix';
  to: string;
  toPrefix: string;
  /** As typed: "22, 443 8080". */
  ports: string;
  protocol: TranslationProtocol;
}

export type TranslationSpecInput = Omit<CommandInput<'helpers.translate.preview'>, 'format'>;

export const emptyTranslationDraft: TranslationDraft = { subnet: '', target: 'address', to: '', toPrefix: '', ports: '', protocol: 'tcp' };

/**
 * Ports as the contract takes them. A word that is not a number goes as NaN (null on the JSON
 * wire), so the contract names it (ports.N) instead of the form dropping it on a guess.
 */
export function portsFrom(text: string): number[] | undefined {
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const ports = words.map((w) => (/^\d+$/.test(w) ? Number(w) : Number.NaN));
  return ports.filter((p, i) => Number.isNaN(p) || ports.indexOf(p) === i);
}

/** Exactly one target goes to the contract, as typed; empty ports mean every port. */
export function translationSpec(d: TranslationDraft): TranslationSpecInput {
  const ports = portsFrom(d.ports);
  return {
    subnet: d.subnet.trim(),
    ...(d.target === 'address' ? { to: d.to.trim() } : { toPrefix: d.toPrefix.trim() }),
    ...(ports ? { ports } : {}),
    protocol: d.protocol,
  };
}

/** Enough typed to ask for a preview (an empty form would only produce "too small" errors). */
export function readyForPreview(d: TranslationDraft): boolean {
  return d.subnet.trim() !== '' && (d.target === 'address' ? d.to.trim() : d.toPrefix.trim()) !== '';
}

/** The draft field a contract issue path belongs to ("ports.2" is the ports field). */
export function draftFieldOf(path: string): keyof TranslationDraft | null {
  const head = path.split('.')[0];
  switch (head) {
    case 'subnet':
    case 'to':
    case 'toPrefix':
    case 'ports':
    case 'protocol':
      return head;
    default:
      return null;
  }
}
