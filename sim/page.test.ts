import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STANDBY, startHarness, twiml, type Harness } from './fake-service.js';

const CUSTOMER = '+5491150000101';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ phones: [{ number: CUSTOMER, name: 'Ana', kind: 'customer' }] });
  h.service.on('/twilio/voice', twiml('<Gather numDigits="1" action="/ivr"><Say>Press 1.</Say></Gather>'));
  h.service.on('/ivr', twiml('<Say>Thanks.</Say>'));
});

afterAll(async () => {
  await h.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${h.sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the /sim JSON API the page uses', () => {
  it('serves the page, its script and the state', async () => {
    const html = await fetch(`${h.sim.url}/sim`);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('/sim/sim.js');
    expect((await fetch(`${h.sim.url}/sim/sim.js`)).headers.get('content-type')).toContain('javascript');

    const state = (await (await fetch(`${h.sim.url}/sim/api/state`)).json()) as { standbyNumbers: string[]; phones: Array<{ number: string; kind: string }> };
    expect(state.standbyNumbers).toEqual([STANDBY]);
    expect(state.phones).toEqual([expect.objectContaining({ number: CUSTOMER, kind: 'customer' })]);
  });

  it('dials, presses keys and hangs up through the API, and explains refusals', async () => {
    const { json } = await post(`/sim/api/phones/${encodeURIComponent(CUSTOMER)}/call`, { to: STANDBY });
    const sid = json.sid as string;
    const call = h.sim.call(sid);
    await call?.waitForGather();

    expect(await post(`/sim/api/calls/${sid}/press`, { digits: 'x' })).toMatchObject({ status: 400 });
    expect(await post(`/sim/api/calls/${sid}/record`, { transcription: 'hola' })).toMatchObject({ status: 409, json: { error: expect.stringMatching(/to be recording/) } });
    expect(await post(`/sim/api/calls/${sid}/press`, { digits: '1' })).toMatchObject({ status: 200 });
    await call?.expectSay('Thanks.');
    expect(await post(`/sim/api/calls/CA00000000000000000000000000000000/hangup`, {})).toMatchObject({ status: 404 });
    expect(await post(`/sim/api/phones/${encodeURIComponent('+5491100000000')}/sms`, { to: STANDBY, body: 'hi' })).toMatchObject({ status: 404 });
    expect(await post(`/sim/api/phones/${encodeURIComponent(CUSTOMER)}/sms`, { to: STANDBY })).toMatchObject({ status: 400 });
  });
});
