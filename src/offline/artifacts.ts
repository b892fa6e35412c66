import { PrecomputedLists } from './precomputed-lists.ts';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogItem } from '../ports/catalog.ts';
import type { ScoredItemId } from '../ports/feature-store.ts';

/**
 * The artifacts folder: everything the gateway loads at start. Written by the offline
 * pipeline, read by `loadArtifacts`. Vectors are little-endian float32, row-major, in the
 * order of `items.json` / `users.json`.
 */
export const ARTIFACTS_FORMAT_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';

export interface ModelEntry {
  /** e.g. "ranker-light" */
  readonly name: string;
  readonly version: string;
  /** File name inside the artifacts folder. */
  readonly file: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly featureCount: number;
  readonly featureLayoutVersion: number;
  readonly precision: 'fp32' | 'int8';
}

export interface ArtifactsManifest {
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly source: { readonly kind: 'synthetic' | 'movielens'; readonly description: string; readonly seed: number };
  readonly dimension: number;
  /** The genre list genre masks and profiles index into (at most 32). */
  readonly genres: readonly string[];
  readonly itemCount: number;
  readonly userCount: number;
  readonly rankers: readonly ModelEntry[];
  readonly precomputed: { readonly users: number; readonly listLength: number; readonly computedAt: string; readonly embeddingVersion: string };
  readonly trending: { readonly listLength: number; readonly computedAt: string };
  /** Free-form figures from the build (training loss, timings). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Artifacts {
  readonly dir: string;
  readonly manifest: ArtifactsManifest;
  readonly items: readonly CatalogItem[];
  /** itemCount x dimension */
  readonly itemVectors: Float32Array;
  readonly userIds: readonly string[];
  /** userCount x dimension */
  readonly userVectors: Float32Array;
  /** userCount x genres.length: each user's share of positives per genre. */
  readonly userGenreProfiles: Float32Array;
  readonly precomputed: ReadonlyMap<string, readonly ScoredItemId[]>;
  readonly trending: readonly ScoredItemId[];
}

/** What the offline pipeline hands to `writeArtifacts` (the manifest's file fields are derived). */
export type ArtifactsContent = Omit<Artifacts, 'dir'>;

const FILES = {
  items: 'items.json',
  itemVectors: 'item-vectors.f32',
  users: 'users.json',
  userVectors: 'user-vectors.f32',
  userGenreProfiles: 'user-genre-profiles.f32',
  precomputed: 'precomputed.json',
  trending: 'trending.json',
} as const;

export function artifactsExist(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_FILE));
}

/**
 * Writes every file, the manifest last: a folder with a manifest is complete, so an
 * interrupted build is rebuilt on the next start instead of half-loaded.
 * Model files (the rankers' `file`) are written by the caller before this.
 */
export async function writeArtifacts(dir: string, content: ArtifactsContent): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, FILES.items), JSON.stringify(content.items));
  await writeFile(join(dir, FILES.itemVectors), float32Bytes(content.itemVectors));
  await writeFile(join(dir, FILES.users), JSON.stringify(content.userIds));
  await writeFile(join(dir, FILES.userVectors), float32Bytes(content.userVectors));
  await writeFile(join(dir, FILES.userGenreProfiles), float32Bytes(content.userGenreProfiles));
  await writeFile(join(dir, FILES.precomputed), JSON.stringify(Object.fromEntries(content.precomputed)));
  await writeFile(join(dir, FILES.trending), JSON.stringify(content.trending));
  const tmp = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(content.manifest, null, 2));
  await rename(tmp, join(dir, MANIFEST_FILE));
}

export async function loadArtifacts(dir: string): Promise<Artifacts> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ArtifactsManifest;
  if (manifest.formatVersion !== ARTIFACTS_FORMAT_VERSION) {
    throw new Error(`artifacts in ${dir} have format ${manifest.formatVersion}, expected ${ARTIFACTS_FORMAT_VERSION}: rebuild them`);
  }
  const items = JSON.parse(await readFile(join(dir, FILES.items), 'utf8')) as CatalogItem[];
  const userIds = JSON.parse(await readFile(join(dir, FILES.users), 'utf8')) as string[];
  const itemVectors = await readFloat32(join(dir, FILES.itemVectors), manifest.itemCount * manifest.dimension);
  const userVectors = await readFloat32(join(dir, FILES.userVectors), manifest.userCount * manifest.dimension);
  const userGenreProfiles = await readFloat32(join(dir, FILES.userGenreProfiles), manifest.userCount * manifest.genres.length);
  const precomputedRaw = JSON.parse(await readFile(join(dir, FILES.precomputed), 'utf8')) as Record<string, ScoredItemId[]>;
  const precomputed = new PrecomputedLists(Object.entries(precomputedRaw), items.map((item) => item.id));
  const trending = JSON.parse(await readFile(join(dir, FILES.trending), 'utf8')) as ScoredItemId[];
  return { dir, manifest, items, itemVectors, userIds, userVectors, userGenreProfiles, precomputed, trending };
}

export function modelPath(artifacts: Artifacts, name: string, precision: ModelEntry['precision'] = 'fp32'): { entry: ModelEntry; path: string } {
  const entry = artifacts.manifest.rankers.find((m) => m.name === name && m.precision === precision);
  if (!entry) {
    const have = artifacts.manifest.rankers.map((m) => `${m.name} ${m.precision}`).join(', ');
    throw new Error(`artifacts have no ${precision} model named ${name} (have: ${have})`);
  }
  return { entry, path: join(artifacts.dir, entry.file) };
}

function float32Bytes(values: Float32Array): Buffer {
  // Float32Array is host-endian; every supported host (x86-64, arm64) is little-endian.
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

async function readFloat32(path: string, expected: number): Promise<Float32Array> {
  const bytes = await readFile(path);
  if (bytes.byteLength !== expected * 4) {
    throw new Error(`${path}: ${bytes.byteLength} bytes, expected ${expected * 4}`);
  }
  // Copy into an aligned buffer: a Buffer from readFile may start at an odd offset of a shared pool.
  const out = new Float32Array(expected);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
