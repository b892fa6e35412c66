import type { Random } from './random.ts';

/**
 * Readable made-up film titles ("The Silent Harbor", "Echoes of Tangier") for the synthetic
 * catalog. Titles repeat in a large catalog, as they do in real ones; ids stay unique.
 */

const ADJECTIVES = [
  'Silent', 'Crimson', 'Hidden', 'Broken', 'Golden', 'Last', 'Distant', 'Electric', 'Frozen', 'Wild',
  'Secret', 'Burning', 'Hollow', 'Midnight', 'Lonely', 'Savage', 'Forgotten', 'Restless', 'Velvet', 'Iron',
  'Falling', 'Endless', 'Bitter', 'Gentle', 'Shattered', 'Dark', 'Bright', 'Little', 'Final', 'Lost',
  'Wandering', 'Sleeping', 'Dangerous', 'Quiet', 'Scarlet', 'Northern', 'Painted', 'Stolen', 'Eternal', 'Wicked',
  'Sunken', 'Paper', 'Glass', 'Summer', 'Winter', 'Blue', 'Black', 'Silver', 'Radiant', 'Strange',
] as const;

const NOUNS = [
  'Harbor', 'River', 'Kingdom', 'Garden', 'Shadow', 'Horizon', 'Storm', 'Promise', 'Journey', 'Empire',
  'Mirror', 'Station', 'Island', 'Letter', 'Frontier', 'Orchard', 'Lantern', 'Compass', 'Fortress', 'Symphony',
  'Highway', 'Canyon', 'Reckoning', 'Carnival', 'Passage', 'Witness', 'Stranger', 'Detective', 'Hunter', 'Dancer',
  'Machine', 'Planet', 'Signal', 'Voyage', 'Summer', 'Heart', 'Crown', 'Bridge', 'Forest', 'Tide',
  'Circus', 'Ghost', 'Outlaw', 'Rebel', 'Pilot', 'Widow', 'Engine', 'Legacy', 'Tower', 'Desert',
] as const;

const PLACES = [
  'Tangier', 'Avalon', 'Brooklyn', 'Kyoto', 'Marseille', 'the North', 'the Valley', 'Santa Rosa', 'Babylon', 'Lisbon',
  'the Moon', 'Paradise', 'Nowhere', 'Berlin', 'Havana', 'the Deep', 'Monterey', 'Cairo', 'Vienna', 'Dakota',
] as const;

const PLURALS = ['Echoes', 'Children', 'Songs', 'Ghosts', 'Days', 'Nights', 'Secrets', 'Rivers', 'Stars', 'Kings'] as const;

const SEQUELS = ['II', 'III', 'IV', 'Returns', 'Reborn'] as const;

/** One title; consumes a small, fixed-per-pattern number of draws from `random`. */
export function syntheticTitle(random: Random): string {
  const pattern = random.int(10);
  let title: string;
  switch (pattern) {
    case 0:
    case 1:
    case 2:
      title = `The ${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
      break;
    case 3:
      title = `${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
      break;
    case 4:
      title = `The ${random.pick(NOUNS)} of ${random.pick(PLACES)}`;
      break;
    case 5:
      title = `${random.pick(PLURALS)} of ${random.pick(PLACES)}`;
      break;
    case 6:
      title = `${random.pick(NOUNS)} and ${random.pick(NOUNS)}`;
      break;
    case 7:
      title = `A ${random.pick(ADJECTIVES)} ${random.pick(NOUNS)} in ${random.pick(PLACES)}`;
      break;
    case 8:
      title = `${random.pick(PLURALS)} of the ${random.pick(ADJECTIVES)} ${random.pick(NOUNS)}`;
      break;
    default:
      title = `${random.pick(NOUNS)}`;
  }
  // About one title in twelve is a sequel.
  if (random.int(12) === 0) title += ` ${random.pick(SEQUELS)}`;
  return title;
}
