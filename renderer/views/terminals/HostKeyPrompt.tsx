import { OutpostError } from '../../../core/contract';
import { CopyButton } from '../../ui/CopyButton';

export interface HostKeyQuestion {
  host: string;
  port: number;
  fingerprint: string;
  keyType: string | null;
}

/** The unknown host key a HOST_KEY_UNKNOWN refusal names, or null for any other failure. */
export function hostKeyQuestion(err: unknown): HostKeyQuestion | null {
  if (!(err instanceof OutpostError) || err.code !== 'HOST_KEY_UNKNOWN') return null;
  const d = err.details as Partial<HostKeyQuestion> | undefined;
  if (!d || typeof d.host !== 'string' || typeof d.port !== 'number' || typeof d.fingerprint !== 'string') return null;
  return { host: d.host, port: d.port, fingerprint: d.fingerprint, keyType: typeof d.keyType === 'string' ? d.keyType : null };
}

/** Asks the operator to compare an unknown host key's fingerprint before trusting it. */
export function HostKeyPrompt({ question }: { question: HostKeyQuestion }) {
  return (
    <section className="panel trust-prompt" role="region" aria-label="Unknown host key" data-testid="host-key-prompt">
      <h3>Trust this host key?</h3>
      <p className="small">
        <span className="mono">
          {question.host}:{question.port}
        </span>{' '}
        is not known. Compare this fingerprint with the host&apos;s own (<span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub</span>) before you trust it.
      </p>
      <p>
        <code className="mono fingerprint" data-testid="host-key-fingerprint">
          {question.keyType ? `${question.keyType} ` : ''}
          {question.fingerprint}
        </code>{' '}
        <CopyButton text={question.fingerprint} label="Copy the fingerprint" />
      </p>
    </section>
  );
}
