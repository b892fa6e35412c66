// Types of feed-diff.js for the TypeScript tests; the page loads the .js as is.
export interface Move {
  readonly id: string;
  readonly from: number | null;
  readonly to: number;
  readonly delta: number | null;
  readonly move: 'up' | 'down' | 'same' | 'new';
}
export function markMoves(before: readonly string[], after: readonly string[]): Move[];
export function dropped(before: readonly string[], after: readonly string[]): string[];
export function moveText(mark: Move): string;
export function moveWords(mark: Move): string;
