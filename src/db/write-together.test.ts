import { describe, expect, it } from 'vitest';
import { WriteTogether } from './write-together.js';

/** A write that records each call's inputs and is released by hand. */
function heldWrites<In>(answer: (inputs: In[]) => unknown[] = (inputs) => inputs.map((i) => `done ${String(i)}`)) {
  const calls: In[][] = [];
  const releases: Array<() => void> = [];
  const write = (inputs: In[]) => {
    calls.push(inputs);
    return new Promise<unknown[]>((resolve, reject) =>
      releases.push(() => {
        try {
          resolve(answer(inputs));
        } catch (error) {
          reject(error);
        }
      }),
    );
  };
  return { calls, releaseNext: () => releases.shift()!(), write };
}

describe('writing together', () => {
  it('writes a lone ask at once, and the asks made meanwhile together in the next write', async () => {
    const held = heldWrites<number>();
    const together = new WriteTogether(held.write, { maxBatch: 10, maxInFlight: 1 });
    const first = together.run(1);
    const later = [together.run(2), together.run(3), together.run(4)];
    expect(held.calls).toEqual([[1]]);
    held.releaseNext();
    expect(await first).toBe('done 1');
    await Promise.resolve();
    expect(held.calls).toEqual([[1], [2, 3, 4]]);
    held.releaseNext();
    expect(await Promise.all(later)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('never puts more than the batch size in one write, nor runs more writes at once than allowed', async () => {
    const held = heldWrites<number>();
    const together = new WriteTogether(held.write, { maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => together.run(n));
    expect(held.calls).toEqual([[1], [2]]);
    held.releaseNext();
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.calls).toEqual([[1], [2], [3, 4]]);
    held.releaseNext();
    held.releaseNext();
    await new Promise((resolve) => setImmediate(resolve));
    held.releaseNext();
    expect(await Promise.all(all)).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5']);
  });

  it('gives a failed write’s error to the asks in it only, and goes on with the others', async () => {
    const held = heldWrites<number>((inputs) => {
      if (inputs.includes(2)) throw new Error('refused');
      return inputs.map(() => 'ok');
    });
    const together = new WriteTogether(held.write, { maxBatch: 10, maxInFlight: 1 });
    const first = together.run(1);
    const failing = [together.run(2), together.run(3)];
    held.releaseNext();
    await first;
    await Promise.resolve();
    const after = together.run(4);
    held.releaseNext();
    await expect(failing[0]).rejects.toThrow('refused');
    await expect(failing[1]).rejects.toThrow('refused');
    await new Promise((resolve) => setImmediate(resolve));
    held.releaseNext();
    expect(await after).toBe('ok');
  });
});
