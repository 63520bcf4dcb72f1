import { RunArena } from '../../src/simulator/run-arena';

/** A channel's run encodings come from a few chunks it owns (run-arena.ts): bounded, and not shared once it is gone. */
describe('RunArena', () => {
  it('carves small runs out of shared chunks, up to its limit, then gives each run a Buffer of its own', () => {
    const arena = new RunArena();
    const a = arena.alloc(100);
    const b = arena.alloc(200);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 100);
    // Writing one slice leaves its neighbours alone.
    a.fill(1);
    b.fill(2);
    expect([a[99], b[0], b[199]]).toEqual([1, 2, 2]);
    // A large run gets its own Buffer.
    expect(arena.alloc(6000).buffer).not.toBe(a.buffer);
    // Chunks of 8 KB, 32 KB in all: after ~32 KB of slices every run has a Buffer of its own.
    const chunks = new Set<ArrayBufferLike>();
    for (let i = 0; i < 200; i++) chunks.add(arena.alloc(1000).buffer);
    const shared = [...chunks].filter((c) => c.byteLength === 8 * 1024);
    expect(shared.length).toBe(4);
    expect(chunks.size).toBeGreaterThan(100);
  });

  it('once closed, fills only the rest of its last chunk, and lets go of it after this turn of the event loop', async () => {
    const arena = new RunArena();
    const before = arena.alloc(10);
    arena.close();
    // The channel's last events, encoded right after it was destroyed, still use the chunk's room...
    expect(arena.alloc(10).buffer).toBe(before.buffer);
    // ...but no new chunk is started,
    const big = arena.alloc(4000);
    arena.alloc(4000);
    const third = arena.alloc(4000);
    expect([big.buffer, third.buffer].every((b) => b.byteLength === 4000 || b === before.buffer)).toBe(true);
    expect(third.buffer).not.toBe(before.buffer);
    // and after this turn the arena holds no chunk: every run gets a Buffer of its own.
    await new Promise((r) => setImmediate(r));
    const x = arena.alloc(10);
    const y = arena.alloc(10);
    expect(x.buffer).not.toBe(before.buffer);
    expect(x.buffer).not.toBe(y.buffer);
    expect(x.buffer.byteLength).toBe(10);
  });
});
