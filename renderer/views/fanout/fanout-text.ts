import { OutpostError } from '../../../core/contract';

export const hostPortLabel = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export const errorText = (err: unknown): string => (err instanceof OutpostError ? `${err.code}: ${err.message}` : String(err));
