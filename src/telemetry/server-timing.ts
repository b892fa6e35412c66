/** One entry of a Server-Timing header. */
export interface TimingEntry {
  readonly name: string;
  /** Milliseconds; absent for a marker such as `cache;desc=hit`. */
  readonly durMs?: number;
  readonly desc?: string;
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Formats a Server-Timing value (RFC: metric names are tokens, `dur` in milliseconds,
 * `desc` a quoted string when it is not a token). Entries with a bad name are skipped.
 */
export function formatServerTiming(entries: readonly TimingEntry[]): string {
  const parts: string[] = [];
  for (const entry of entries) {
    if (!TOKEN.test(entry.name)) continue;
    let part = entry.name;
    if (entry.durMs !== undefined && Number.isFinite(entry.durMs)) part += `;dur=${Math.max(0, entry.durMs).toFixed(2)}`;
    if (entry.desc !== undefined) part += `;desc=${TOKEN.test(entry.desc) ? entry.desc : JSON.stringify(entry.desc.replace(/[^\x20-\x7e]/g, ''))}`;
    parts.push(part);
  }
  return parts.join(', ');
}
