import type { CandidateSet } from '../pipeline/candidates.ts';
import type { RankingResult } from '../pipeline/ranking-result.ts';
import { instruments } from './instruments.ts';
import { ATTR, SPAN } from './names.ts';
import { withSpan } from './spans.ts';

/** What the resolvers hand over: anything that generates candidates at most once. */
export interface CandidatePlan {
  candidates(): Promise<CandidateSet>;
}

const spanned = new WeakMap<CandidatePlan, Promise<CandidateSet>>();

/**
 * The plan's candidate generation inside a `feed.candidates` span (source and count as
 * attributes). The first caller of a plan opens the span; later callers share its promise.
 */
export function candidatesInSpan(plan: CandidatePlan): Promise<CandidateSet> {
  let pending = spanned.get(plan);
  if (!pending) {
    pending = withSpan(SPAN.CANDIDATES, {}, async (span) => {
      const set = await plan.candidates();
      if (span.isRecording()) {
        span.setAttribute(ATTR.CANDIDATE_SOURCE, set.source);
        span.setAttribute(ATTR.CANDIDATE_COUNT, set.candidates.length);
      }
      return set;
    });
    spanned.set(plan, pending);
  }
  return pending;
}

/**
 * A pass-through for a Feed field's ranking that counts it when degraded, by field (`coarse`,
 * `refined`: a degraded refined answer is the coarse order, so its own `stage` says COARSE)
 * and reason.
 */
function rankingObserver(field: 'coarse' | 'refined'): (result: RankingResult) => RankingResult {
  return (result) => {
    if (result.degraded) instruments().degraded.add(1, { [ATTR.STAGE]: field, [ATTR.REASON]: result.degradedReason ?? 'UNKNOWN' });
    return result;
  };
}

export const observeCoarse = rankingObserver('coarse');
export const observeRefined = rankingObserver('refined');
