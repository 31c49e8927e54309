import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MIX_USERS, mixLayout, type Tile } from '../../shared/media/mix-layout.ts';

const CANVAS = { width: 1280, height: 720 };

const overlaps = (a: Tile, b: Tile) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The checks every layout must pass: count, even sizes and offsets, inside the canvas, no overlaps. */
function assertSane(n: number, tiles: Tile[], canvas = CANVAS): void {
  assert.equal(tiles.length, n, `${n} users → ${n} tiles`);
  for (const t of tiles) {
    assert.ok(t.width > 0 && t.height > 0, `${n}: tile has a size`);
    assert.equal(t.width % 2, 0, `${n}: even width`);
    assert.equal(t.height % 2, 0, `${n}: even height`);
    assert.equal(t.x % 2, 0, `${n}: even x`);
    assert.equal(t.y % 2, 0, `${n}: even y`);
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= canvas.width && t.y + t.height <= canvas.height, `${n}: ${JSON.stringify(t)} inside the canvas`);
  }
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) assert.ok(!overlaps(tiles[i]!, tiles[j]!), `${n}: tiles ${i} and ${j} do not overlap`);
  }
  const sizes = new Set(tiles.map((t) => `${t.width}x${t.height}`));
  assert.equal(sizes.size, 1, `${n}: all tiles the same size`);
}

test('1, 2, 3, 4, 5 and 9 users on 1280x720: right count, even sizes, inside the canvas, no overlaps', () => {
  for (const n of [1, 2, 3, 4, 5, 9]) assertSane(n, mixLayout(n, CANVAS));
});

test('one user gets the whole canvas', () => {
  assert.deepEqual(mixLayout(1, CANVAS), [{ x: 0, y: 0, width: 1280, height: 720 }]);
});

test('grid shape: cols = ceil(sqrt n), rows = ceil(n / cols)', () => {
  assert.deepEqual(mixLayout(2, CANVAS), [
    { x: 0, y: 0, width: 640, height: 720 },
    { x: 640, y: 0, width: 640, height: 720 },
  ]);
  const four = mixLayout(4, CANVAS);
  assert.deepEqual(four.map((t) => [t.x, t.y]), [[0, 0], [640, 0], [0, 360], [640, 360]]);
  assert.ok(four.every((t) => t.width === 640 && t.height === 360));
  const nine = mixLayout(9, CANVAS);
  // 1280/3 = 426.67 → 426 (even), 720/3 = 240; the 2 spare pixels are split as a 0/2 even margin.
  assert.ok(nine.every((t) => t.width === 426 && t.height === 240));
  assert.deepEqual([...new Set(nine.map((t) => t.y))], [0, 240, 480]);
  assert.deepEqual([...new Set(nine.map((t) => t.x))], [0, 426, 852]);
});

test('3 users: 2 over 1, the last row centred', () => {
  const [a, b, c] = mixLayout(3, CANVAS);
  assert.deepEqual(a, { x: 0, y: 0, width: 640, height: 360 });
  assert.deepEqual(b, { x: 640, y: 0, width: 640, height: 360 });
  assert.deepEqual(c, { x: 320, y: 360, width: 640, height: 360 });
  assert.equal(c!.x + c!.width / 2, CANVAS.width / 2, 'centred horizontally');
});

test('5 users: 3 over 2, the last row centred', () => {
  const tiles = mixLayout(5, CANVAS);
  assert.ok(tiles.every((t) => t.width === 426 && t.height === 360));
  assert.deepEqual(tiles.slice(0, 3).map((t) => t.y), [0, 0, 0]);
  const last = tiles.slice(3);
  assert.deepEqual(last.map((t) => t.y), [360, 360]);
  const left = last[0]!.x;
  const right = CANVAS.width - (last[1]!.x + last[1]!.width);
  assert.equal(left, 214, '(1280 - 2*426) / 2 = 214');
  assert.ok(Math.abs(left - right) <= 2, `last row centred: ${left} px left, ${right} px right`);
  assert.equal(last[1]!.x, last[0]!.x + 426, 'the last row\'s tiles are adjacent');
});

test('odd canvases still give even tiles and offsets', () => {
  const canvas = { width: 1000, height: 566 };
  for (const n of [1, 2, 3, 5, 7, 64]) assertSane(n, mixLayout(n, canvas), canvas);
});

test('deterministic', () => {
  assert.deepEqual(mixLayout(7, CANVAS), mixLayout(7, CANVAS));
});

test('0, negative, fractional and too many users throw', () => {
  assert.throws(() => mixLayout(0, CANVAS), /1\.\.64/);
  assert.throws(() => mixLayout(-1, CANVAS), Error);
  assert.throws(() => mixLayout(2.5, CANVAS), Error);
  assert.throws(() => mixLayout(MAX_MIX_USERS + 1, CANVAS), Error);
  assert.equal(mixLayout(MAX_MIX_USERS, CANVAS).length, MAX_MIX_USERS);
});
