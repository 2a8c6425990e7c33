// Operators compare times across sites and logs: local time with seconds, 24-hour clock.
// Callers put the raw ISO instant in a tooltip or <time dateTime> for the exact UTC value.
const formatter = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatter.format(date);
}
