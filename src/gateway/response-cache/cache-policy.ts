// What the response cache may store, and how its keys see variables: pure functions.

/** True when any object in the data is a ranking marked `degraded: true`. */
export function hasDegradedRanking(data: unknown): boolean {
  if (Array.isArray(data)) return data.some(hasDegradedRanking);
  if (data === null || typeof data !== 'object') return false;
  const record = data as Record<string, unknown>;
  if (record.degraded === true) return true;
  for (const key in record) {
    const value = record[key];
    if (value !== null && typeof value === 'object' && hasDegradedRanking(value)) return true;
  }
  return false;
}

/** JSON with object keys sorted, so equal variables give equal keys. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
