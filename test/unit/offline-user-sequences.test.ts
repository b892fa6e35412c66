import { describe, expect, it } from 'vitest';
import { genreProfiles } from '../../src/offline/genre-profiles.ts';
import { holdOutLastPositives, type UserSequences } from '../../src/offline/user-sequences.ts';
import { offlineViewerInputs } from '../../src/offline/viewer-inputs.ts';

// Two users: user 0 has 6 interactions (5 positives), user 1 has 2 positives.
const sequences: UserSequences = {
  userOffsets: Uint32Array.from([0, 6, 8]),
  itemIndex: Uint32Array.from([0, 1, 2, 3, 4, 5, 1, 2]),
  rating: Float32Array.from([5, 4, 2, 4.5, 4, 5, 5, 4]),
  timestamp: Float64Array.from([1, 2, 3, 4, 5, 6, 1, 2]),
};

describe('holdOutLastPositives', () => {
  it("moves each eligible user's last positives out, in time order, and keeps the rest", () => {
    const { kept, targets } = holdOutLastPositives(sequences, 2, 4);
    expect(Array.from(targets.itemIndex)).toEqual([4, 5]);
    expect(Array.from(targets.userOffsets)).toEqual([0, 2, 2]);
    expect(Array.from(kept.itemIndex)).toEqual([0, 1, 2, 3, 1, 2]);
    expect(Array.from(kept.userOffsets)).toEqual([0, 4, 6]);
    expect(kept.itemIndex.length + targets.itemIndex.length).toBe(sequences.itemIndex.length);
  });

  it('leaves users with too few positives whole', () => {
    const { targets } = holdOutLastPositives(sequences, 4, 4);
    expect(targets.itemIndex.length).toBe(0);
  });
});

describe('genreProfiles', () => {
  it("is each user's share of positives per genre", () => {
    // items 0..5: genre bits
    const masks = Uint32Array.from([0b01, 0b10, 0b10, 0b11, 0b01, 0b01]);
    const profiles = genreProfiles(sequences, masks, 2, 4);
    // user 0 positives: items 0 (g0), 1 (g1), 3 (g0,g1), 4 (g0), 5 (g0) -> g0: 4, g1: 2
    expect(profiles[0]).toBeCloseTo(4 / 6, 6);
    expect(profiles[1]).toBeCloseTo(2 / 6, 6);
    // user 1 positives: items 1, 2 -> all g1
    expect(Array.from(profiles.subarray(2, 4))).toEqual([0, 1]);
  });
});

describe('offlineViewerInputs', () => {
  it('builds the session from the positives just before the moment, never after', () => {
    const d = 2;
    const itemVectors = Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1]);
    const userVectors = Float32Array.from([0.6, 0.8, 1, 0]);
    const profiles = new Float32Array(4);
    // Before interaction 4 of user 0: positives are items 0, 1, 3 (item 2 is rated 2): last three = 0,1,3
    const viewer = offlineViewerInputs(0, 4, sequences, userVectors, itemVectors, d, profiles, 2, 4, true);
    expect(viewer.sessionWeight).toBe(3);
    // items 0 (1,0), 1 (0,1), 3 (0,1) -> (1, 2) normalised
    expect(viewer.sessionDirection![0]).toBeCloseTo(1 / Math.sqrt(5), 5);
    expect(viewer.sessionDirection![1]).toBeCloseTo(2 / Math.sqrt(5), 5);
    expect(Array.from(viewer.user)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    const none = offlineViewerInputs(0, 4, sequences, userVectors, itemVectors, d, profiles, 2, 4, false);
    expect(none.sessionDirection).toBeNull();
    expect(none.sessionWeight).toBe(0);
  });
});
