import { useRef, type FormEvent } from 'react';
import { MAX_CERTIFICATE_FILE_BYTES, OutpostError, type CertificateInfoView } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { parseTargets } from '../client-helpers/preflight-targets';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { PassphraseField } from './PassphraseField';
import { readFileBase64 } from './read-file-base64';
import { SubmitButton } from '../../ui/SubmitButton';

export type InspectedChain =
  | { source: 'file'; fileName: string; format: 'pem' | 'der' | 'pkcs7' | 'pkcs12'; privateKeysIgnored: number; certificates: CertificateInfoView[] }
  | { source: 'server'; server: string; authorized: boolean; authorizationError: string | null; certificates: CertificateInfoView[] };

function inspectFieldOf(path: string): 'fileName' | 'passphrase' | undefined {
  return path === 'contentBase64' ? 'fileName' : path === 'passphrase' ? 'passphrase' : undefined;
}

/** A certificate file picked here, read in the renderer and sent as base64; a PKCS#12 passphrase is used for this read only. */
export function InspectFileForm({ onInspected }: { onInspected(chain: InspectedChain): void }) {
  const client = useClient();
  const form = useContractForm('Could not read the certificate file');
  const fileRef = useRef<HTMLInputElement>(null);
  // The file input holds the file itself; the draft keeps its name, which the contract's contentBase64 marks.
  const { draft, setDraft, edit, errors, setErrors, field } = useFormDraft({ fileName: '', passphrase: '' }, { forms: [form], fieldOf: inspectFieldOf });
  const { fileName, passphrase } = draft;
  const setFileError = (message: string): void => setErrors((e) => ({ ...e, fileName: message }));

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    const file = fileRef.current?.files?.[0];
    if (!file) {
      setFileError('Choose a certificate file first.');
      return;
    }
    // Checked here, before the file is read: the host would refuse it anyway (certificates.inspect's limit).
    if (file.size > MAX_CERTIFICATE_FILE_BYTES) {
      setFileError(`This file is ${Math.ceil(file.size / 1000).toLocaleString('en')} KB; Outpost reads certificate files up to ${MAX_CERTIFICATE_FILE_BYTES / 1000} KB. Pick the certificate or chain alone.`);
      return;
    }
    const given = passphrase;
    // The passphrase leaves the form with this one call; the field is empty again at once.
    setDraft((d) => ({ ...d, passphrase: '' }));
    setErrors((e) => ({ ...e, passphrase: undefined }));
    form.submit(
      async () => {
        try {
          const contentBase64 = await readFileBase64(file);
          return await client.invoke('certificates.inspect', { contentBase64, fileName: file.name, ...(given ? { passphrase: given } : {}) });
        } catch (err) {
          if (err instanceof OutpostError && err.code === 'CERT_PASSPHRASE') setErrors((e) => ({ ...e, passphrase: given ? 'Wrong passphrase for this PKCS#12 file.' : 'This PKCS#12 file needs its passphrase.' }));
          if (err instanceof OutpostError && err.code === 'CERT_INVALID') setFileError('Not a certificate Outpost can read (PEM, DER, PKCS#7 or PKCS#12).');
          if (err instanceof OutpostError && err.code === 'TOO_LARGE') setFileError(err.message);
          throw err;
        }
      },
      (read) => onInspected({ source: 'file', fileName: file.name, ...read }),
    );
  };

  return (
    <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="cert-file-heading">
      <h2 id="cert-file-heading">Inspect a file</h2>
      <div className="field">
        <label htmlFor="cert-file">Certificate file</label>
        <input
          ref={fileRef}
          id="cert-file"
          type="file"
          className="file-input"
          onChange={(e) => edit('fileName', e.target.files?.[0]?.name ?? '')}
          aria-invalid={errors.fileName ? true : undefined}
          aria-describedby="cert-file-hint cert-file-error"
        />
        <p id="cert-file-hint" className="field-hint">
          PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12, .pfx). Private keys in it are ignored.
        </p>
        <FieldError id="cert-file-error" message={errors.fileName} />
      </div>
      <PassphraseField
        id="cert-passphrase"
        label="PKCS#12 passphrase (optional)"
        {...field('passphrase')}
        hint="Used for this one read, then forgotten."
        autoComplete="off"
      />
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Inspect" busyLabel="Reading…" />
        {fileName && <span className="muted small file-chosen">{fileName}</span>}
      </div>
    </form>
  );
}

/** HOST or HOST:PORT (443 when no port is given). */
export function serverTarget(text: string): { host: string; port: number } | null {
  const value = text.trim();
  if (/^[^\s:[\]]+$/.test(value)) return { host: value, port: 443 };
  const { targets, problems } = parseTargets(value);
  return targets.length === 1 && problems.length === 0 ? targets[0]! : null;
}

/** A server's chain, read by a TLS handshake from this workstation; nothing is trusted by it. */
export function FetchServerForm({ onFetched }: { onFetched(chain: InspectedChain): void }) {
  const form = useContractForm('Could not fetch the server’s certificate chain');
  // The contract marks the host or the port; both are typed in this one field.
  const { draft, field, setErrors } = useFormDraft({ server: '' }, { forms: [form], fieldOf: (path) => (path === 'host' || path === 'port' ? 'server' : undefined) });

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    const target = serverTarget(draft.server);
    if (!target) {
      setErrors({ server: 'HOST:PORT, e.g. vcenter.example:443 (IPv6 in brackets).' });
      return;
    }
    form.run('certificates.fetch', { ...target, timeoutMs: 5000 }, (chain) => onFetched({ source: 'server', server: `${target.host}:${target.port}`, ...chain }));
  };

  return (
    <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="cert-fetch-heading">
      <h2 id="cert-fetch-heading">Fetch from a server</h2>
      <TextField
        id="cert-server"
        label="Server"
        {...field('server')}
        placeholder="vcenter.example:443"
        hint="HOST:PORT; the chain it presents is read by a TLS handshake."
        mono
      />
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Fetch chain" busyLabel="Fetching…" />
      </div>
    </form>
  );
}
