import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cgroupCpuQuota, parseCpuMax, usableCores } from '../../src/runtime/usable-cores.ts';

describe('usable cores', () => {
  it('reads a cgroup v2 cpu.max: a quota in CPUs, or none', () => {
    expect(parseCpuMax('max 100000\n')).toBeNull();
    expect(parseCpuMax('150000 100000\n')).toBe(1.5);
    expect(parseCpuMax('50000 100000')).toBe(0.5);
    expect(parseCpuMax('')).toBeNull();
  });

  it('falls back to cgroup v1 files, where -1 means no limit, and to none when nothing is readable', () => {
    const files = (entries: Record<string, string>) => (path: string) => entries[path] ?? null;
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '200000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }))).toBe(2);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }))).toBeNull();
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '100000 100000' }))).toBe(1);
    expect(cgroupCpuQuota(files({}))).toBeNull();
  });

  it('caps the affinity with the quota, rounding a part of a CPU up, never below one', () => {
    const affinity = availableParallelism();
    expect(usableCores(null)).toBe(affinity);
    expect(usableCores(0.5)).toBe(1);
    expect(usableCores(1)).toBe(1);
    expect(usableCores(affinity + 8)).toBe(affinity);
    if (affinity >= 2) expect(usableCores(1.5)).toBe(2);
  });
});
