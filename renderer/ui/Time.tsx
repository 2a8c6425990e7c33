import { formatTime } from './format-time';

/** A moment as the operator reads it, with the exact ISO time as its tooltip and machine value. */
export function Time({ at, className }: { at: string; className?: string }) {
  return (
    <time dateTime={at} title={at} className={className}>
      {formatTime(at)}
    </time>
  );
}
