import { assertId } from './ids.ts';

/**
 * The store layout (docs/architecture.md). Every key is built here from checked ids,
 * so user input never reaches a key unchecked.
 */
export const streamPrefix = (streamId: string) => `streams/${assertId(streamId, 'streamId')}/`;
export const streamStateKey = (streamId: string) => `${streamPrefix(streamId)}stream.json`;
export const streamStopKey = (streamId: string) => `${streamPrefix(streamId)}stop.json`;
export const playlistKey = (streamId: string) => `${streamPrefix(streamId)}index.m3u8`;
export const segmentPrefix = (streamId: string) => `${streamPrefix(streamId)}seg/`;

/** UTC start as a sortable, key-safe stamp: 20261128T072012.345Z */
export function sortableUtc(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

export function segmentKey(streamId: string, start: Date, seq: number): string {
  return `${segmentPrefix(streamId)}${sortableUtc(start)}-${String(seq).padStart(8, '0')}.ts`;
}

/** Inverse of segmentKey's file name, for finding segments by listing when the playlist is unreadable. */
export function parseSegmentName(name: string): { start: Date; seq: number } | null {
  const m = /^(\d{8})T(\d{6})\.(\d{3})Z-(\d{8})\.ts$/.exec(name);
  if (!m) return null;
  const [, d, t, ms, seq] = m as unknown as [string, string, string, string, string];
  const iso = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}.${ms}Z`;
  return { start: new Date(iso), seq: Number(seq) };
}

export const clipPrefix = (clipId: string) => `clips/${assertId(clipId, 'clip id')}/`;
export const jobKey = (clipId: string) => `${clipPrefix(clipId)}job.json`;
export const clipVideoKey = (clipId: string) => `${clipPrefix(clipId)}${clipId}.mp4`;
export const posterKey = (clipId: string) => `${clipPrefix(clipId)}poster.jpg`;

export const HIGHLIGHT_TRIGGER_PREFIX = 'triggers/highlights/';
