// Operators compare times across sites, logs and tickets: an unambiguous local
// "YYYY-MM-DD HH:MM:SS" whatever the OS locale. Callers put the raw ISO instant (UTC) in a
// tooltip or <time dateTime> for the exact value.
const pad = (n: number): string => String(n).padStart(2, '0');

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
