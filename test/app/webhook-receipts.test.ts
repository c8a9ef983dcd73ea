import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNED_ANSWER, answerOnce, pruneReceipts, receiptKey } from '../../src/db/webhook-receipts.js';
import type { Database } from '../../src/db/client.js';
import { createTestDatabase } from '../support/database.js';

let database: Database;
beforeAll(async () => {
  ({ database } = await createTestDatabase());
});
afterAll(() => database.close());

describe('webhook receipts', () => {
  it('runs the work once for concurrent deliveries of the same webhook, and both get the same answer', async () => {
    const key = receiptKey('SM1', '/twilio/sms', { Body: 'hi', MessageSid: 'SM1' });
    let runs = 0;
    const work = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50)); // hold the transaction open while the duplicate arrives
      return { answer: { statusCode: 200, contentType: 'text/xml', body: `<Response>${runs}</Response>` }, after: ['enqueue'] };
    };
    const [a, b] = await Promise.all([answerOnce(database.db, key, work), answerOnce(database.db, key, work)]);
    expect(runs).toBe(1);
    expect(a.answer).toEqual(b.answer);
    expect([a.replay, b.replay].sort()).toEqual([false, true]);
    expect([...a.after, ...b.after]).toEqual(['enqueue']);
  });

  it('forgets nothing when the work fails: a retry runs it again', async () => {
    const key = receiptKey('SM2', '/twilio/sms', {});
    await expect(answerOnce(database.db, key, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    const retried = await answerOnce(database.db, key, async () => ({ answer: { statusCode: 200, contentType: 'text/xml', body: 'ok' }, after: [] }));
    expect(retried).toMatchObject({ replay: false, answer: { body: 'ok' } });
  });

  it('tells different steps of the same call apart', () => {
    expect(receiptKey('CA1', '/twilio/voice/step?s=1', { Digits: '1' })).not.toBe(receiptKey('CA1', '/twilio/voice/step?s=2', { Digits: '1' }));
    expect(receiptKey('CA1', '/twilio/voice/step', { Digits: '1' })).not.toBe(receiptKey('CA1', '/twilio/voice/step', { Digits: '2' }));
  });

  it('prunes the answers of receipts older than the cut-off', async () => {
    await answerOnce(database.db, 'old', async () => ({ answer: { statusCode: 200, contentType: 'text/xml', body: '<Response>long ago</Response>' }, after: [] }));
    expect(await pruneReceipts(database.db, new Date(Date.parse('2999-01-01')))).toBeGreaterThan(0);
    expect(await pruneReceipts(database.db, new Date(Date.parse('2999-01-01')))).toBe(0);
  });

  it('keeps the key of a pruned receipt: the same webhook replayed later gets an empty answer and runs nothing', async () => {
    const key = receiptKey('SM3', '/twilio/sms', { Body: 'BLOCKER sap caido', MessageSid: 'SM3' });
    let runs = 0;
    const work = async () => {
      runs += 1;
      return { answer: { statusCode: 200, contentType: 'text/xml', body: '<Response><Message>Incidente 7 abierto</Message></Response>' }, after: ['page'] };
    };
    await answerOnce(database.db, key, work);
    await pruneReceipts(database.db, new Date(Date.parse('2999-01-01')));
    const replay = await answerOnce(database.db, key, work);
    expect(runs).toBe(1);
    expect(replay).toEqual({ answer: PRUNED_ANSWER, after: [], replay: true });
  });
});
