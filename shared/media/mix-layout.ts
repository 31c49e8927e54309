/** One user's rectangle on the mix canvas, in pixels from the top-left corner. */
export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Most users one mixed recording composites (a 8x8 grid). */
export const MAX_MIX_USERS = 64;

/** Largest even number <= v (H.264 with yuv420p needs even sizes, and even offsets keep chroma aligned). */
const evenDown = (v: number) => Math.floor(v / 2) * 2;

/**
 * Pure: where each of `count` users goes on the mix canvas, in user order (row by row).
 *
 * A grid of cols = ceil(sqrt(n)) by rows = ceil(n / cols) equal tiles, each floor(canvas / cols|rows)
 * rounded down to even, so every tile and every offset is valid for a yuv420p H.264 encode. The
 * grid is centred on the canvas (absorbing the few pixels the rounding leaves), and a last row that
 * is not full is centred horizontally so a 3-user mix reads 2 over 1 rather than leaving a hole on
 * the right. One user gets the whole canvas (rounded down to even).
 */
export function mixLayout(count: number, canvas: { width: number; height: number }): Tile[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_MIX_USERS) {
    throw new Error(`mix layout: user count must be an integer 1..${MAX_MIX_USERS}, got ${count}`);
  }
  const { width: W, height: H } = canvas;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 2 || H < 2) {
    throw new Error(`mix layout: canvas must be whole pixels of at least 2x2, got ${W}x${H}`);
  }
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const width = evenDown(W / cols);
  const height = evenDown(H / rows);
  if (width < 2 || height < 2) {
    throw new Error(`mix layout: canvas ${W}x${H} is too small for ${count} users (${cols}x${rows} grid)`);
  }
  const y0 = evenDown((H - rows * height) / 2);
  const tiles: Tile[] = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / cols);
    const col = i % cols;
    const inRow = row === rows - 1 ? count - row * cols : cols;
    const x0 = evenDown((W - inRow * width) / 2);
    tiles.push({ x: x0 + col * width, y: y0 + row * height, width, height });
  }
  return tiles;
}
