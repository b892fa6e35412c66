import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * Cores this process can use: its CPU affinity (what `availableParallelism()` reports: taskset,
 * cpusets), capped by a cgroup CPU quota when one is set. A container limited to one CPU on a
 * 16-core node sees 16 in its affinity, and thread pools sized from that only contend.
 */
export function usableCores(quota: number | null = cgroupCpuQuota()): number {
  const affinity = availableParallelism();
  return quota === null ? affinity : Math.max(1, Math.min(affinity, Math.ceil(quota)));
}

/** The cgroup's CPU quota in CPUs (1.5 = one and a half), or null when unlimited or unreadable. */
export function cgroupCpuQuota(read: (path: string) => string | null = readOrNull): number | null {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== null) return parseCpuMax(v2);
  const quota = read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us');
  const period = read('/sys/fs/cgroup/cpu/cpu.cfs_period_us');
  if (quota === null || period === null) return null;
  return quotaOf(Number(quota.trim()), Number(period.trim()));
}

/** cgroup v2 `cpu.max`: "<quota> <period>" in microseconds, or "max <period>" for no limit. */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  return quotaOf(Number(quota), Number(period ?? 100_000));
}

function quotaOf(quotaUs: number, periodUs: number): number | null {
  // cgroup v1 writes -1 for no limit.
  if (!Number.isFinite(quotaUs) || !Number.isFinite(periodUs) || quotaUs <= 0 || periodUs <= 0) return null;
  return quotaUs / periodUs;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
