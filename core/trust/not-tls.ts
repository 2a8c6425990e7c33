/** What OpenSSL says when the answer to our ClientHello is not TLS (plain HTTP, SSH, ...). */
const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_RECORD_LAYER_FAILURE', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_HTTP_REQUEST']);

/** True when a connection error means the peer does not speak TLS at all (OpenSSL's own text is lines of internals). */
export function isNotTlsAnswer(code: string | undefined): boolean {
  return code !== undefined && NOT_TLS_CODES.has(code);
}
