// How a ranking moved an ordered list: the marks the demo shows (▲3, ▼2, new).

/**
 * For each id of `after`, in order: where it stood in `before` and how far it moved.
 * delta > 0 moved up (toward position 1); move is 'up' | 'down' | 'same' | 'new'.
 */
export function markMoves(before, after) {
  const was = new Map(before.map((id, index) => [id, index]));
  return after.map((id, to) => {
    const from = was.get(id);
    if (from === undefined) return { id, from: null, to, delta: null, move: 'new' };
    const delta = from - to;
    return { id, from, to, delta, move: delta > 0 ? 'up' : delta < 0 ? 'down' : 'same' };
  });
}

/** The ids of `before` that are not in `after` (pushed out of the list). */
export function dropped(before, after) {
  const kept = new Set(after);
  return before.filter((id) => !kept.has(id));
}

/** The short visible mark of a move. */
export function moveText(mark) {
  if (mark.move === 'new') return 'new';
  if (mark.move === 'up') return `▲${mark.delta}`;
  if (mark.move === 'down') return `▼${-mark.delta}`;
  return '=';
}

/** The same move in words, for screen readers. */
export function moveWords(mark) {
  const places = (n) => `${n} place${n === 1 ? '' : 's'}`;
  if (mark.move === 'new') return 'new in the refined ranking';
  if (mark.move === 'up') return `moved up ${places(mark.delta)}`;
  if (mark.move === 'down') return `moved down ${places(-mark.delta)}`;
  return 'same place';
}
