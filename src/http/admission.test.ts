import { afterEach, describe, expect, it, vi } from 'vitest';
import { Admission } from './admission.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('admission of intake work', () => {
  it('works on as many requests at once as allowed, and hands a freed turn to the longest waiting', async () => {
    const admission = new Admission(2, 10_000);
    expect(await admission.enter()).toBe(true);
    expect(await admission.enter()).toBe(true);
    const order: string[] = [];
    const third = admission.enter().then((ok) => order.push(`third ${ok}`));
    const fourth = admission.enter().then((ok) => order.push(`fourth ${ok}`));
    expect(admission.waiting).toBe(2);
    admission.leave();
    await third;
    expect(order).toEqual(['third true']);
    admission.leave();
    await fourth;
    expect(order).toEqual(['third true', 'fourth true']);
    expect(admission.active).toBe(2);
  });

  it('turns a request away once it has waited its longest, so the sender is answered in time', async () => {
    vi.useFakeTimers();
    const admission = new Admission(1, 200);
    expect(await admission.enter()).toBe(true);
    const waiting = admission.enter();
    vi.advanceTimersByTime(199);
    expect(admission.waiting).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await waiting).toBe(false);
    expect(admission.waiting).toBe(0);
    // The turn it never got is still the first request's; giving it back frees it.
    admission.leave();
    expect(admission.active).toBe(0);
  });

  it('refuses at once a request that would wait behind as many as can work at once', async () => {
    const admission = new Admission(2, 10_000);
    await admission.enter();
    await admission.enter();
    const waiting = [admission.enter(), admission.enter()];
    expect(await admission.enter()).toBe(false);
    admission.leave();
    admission.leave();
    expect(await Promise.all(waiting)).toEqual([true, true]);
  });

  it('in a storm of refusals, works on one request at a time, refuses the rest at once and gives background work no turn, until it calms down', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const admission = new Admission(3, 0, { refusals: 3, windowMs: 100, quietMs: 200 });
    const idle = vi.fn();
    admission.onIdle(idle);
    for (let i = 0; i < 3; i++) expect(await admission.enter()).toBe(true);
    // Two refusals are no storm; the third within 100 ms is.
    expect(await admission.enter()).toBe(false);
    vi.advanceTimersByTime(60);
    expect(await admission.enter()).toBe(false);
    expect(admission.storming).toBe(false);
    expect(await admission.enter()).toBe(false);
    expect(admission.storming).toBe(true);
    admission.leave();
    admission.leave();
    // Turns came free, but in a storm one request at a time is worked on, and background work waits.
    expect(idle).not.toHaveBeenCalled();
    expect(admission.tryEnterIdle()).toBe(false);
    expect(await admission.enter()).toBe(false);
    admission.leave();
    expect(await admission.enter()).toBe(true);
    admission.leave();
    // Calm: 200 ms after the last refusal that kept the storm on, background work hears turns are free.
    vi.advanceTimersByTime(201);
    expect(admission.storming).toBe(false);
    expect(idle).toHaveBeenCalledTimes(1);
    expect(admission.tryEnterIdle()).toBe(true);
  });

  it('refuses at once when no wait is allowed', async () => {
    const admission = new Admission(1, 0);
    expect(await admission.enter()).toBe(true);
    expect(await admission.enter()).toBe(false);
  });

  it('gives background work a turn only when nobody waits, and says when a turn comes free', async () => {
    const admission = new Admission(1, 10_000);
    const idle = vi.fn();
    admission.onIdle(idle);
    expect(admission.tryEnterIdle()).toBe(true);
    expect(admission.tryEnterIdle()).toBe(false);
    const request = admission.enter();
    admission.leave();
    expect(await request).toBe(true);
    expect(idle).not.toHaveBeenCalled();
    admission.leave();
    expect(idle).toHaveBeenCalledTimes(1);
    expect(admission.tryEnterIdle()).toBe(true);
  });
});
