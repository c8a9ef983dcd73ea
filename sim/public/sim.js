// The /sim page: demo phones that text and call the standby number, answer pages, and a traffic log.
// Plain browser JavaScript, no build step. It listens to /sim/api/events and re-reads
// /sim/api/state when something changed; each part of a phone card is redrawn only when its
// content changed, so what you are typing is never lost.

const $ = (selector, root = document) => root.querySelector(selector);

/** Creates an element: el('button', { class: 'x', dataset: { testid: 'y' }, onclick }, 'text', child…) */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const cards = new Map(); // number → { root, thread, call, keys }
let current = null;

async function api(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.error || `HTTP ${response.status}`);
  }
  return response.json();
}

// Actions on one call run one after the other, in the order they were clicked.
const queues = new Map();
function act(card, sid, action, body) {
  const previous = queues.get(sid) ?? Promise.resolve();
  const next = previous
    .then(() => api(`/sim/api/calls/${sid}/${action}`, body))
    .then(() => showFailure(card, ''))
    .catch((error) => showFailure(card, error.message));
  queues.set(sid, next);
  return next;
}

function showFailure(card, message) {
  card.failure.textContent = message;
}

// --- Phone cards ---------------------------------------------------------------------------------

/** "+541150000100 · Acme Retail dedicated line": which line a number is, as the options show it. */
function numberLabel(number, labels) {
  return labels[number] ? `${number} · ${labels[number]}` : number;
}

function createCard(phone, standbyNumbers, labels) {
  const options = () => standbyNumbers.map((n) => el('option', { value: n, selected: n === phone.dials }, numberLabel(n, labels)));
  const thread = el('ul', { class: 'thread', dataset: { testid: 'thread' } });
  const smsBody = el('input', { type: 'text', name: 'body', placeholder: 'Text message…', autocomplete: 'off', dataset: { testid: 'sms-body' } });
  const smsTo = el('select', { name: 'to', dataset: { testid: 'sms-to' } }, options());
  const failure = el('div', { class: 'failure', dataset: { testid: 'failure' } });
  const card = { thread, failure, call: null, threadKey: '', callKey: '', pickers: [], picked: Boolean(phone.dials) };
  const form = el(
    'form',
    {
      class: 'sms',
      onsubmit: async (event) => {
        event.preventDefault();
        const body = smsBody.value.trim();
        if (!body) return;
        smsBody.value = '';
        try {
          await api(`/sim/api/phones/${encodeURIComponent(phone.number)}/sms`, { to: smsTo.value, body });
          showFailure(card, '');
        } catch (error) {
          showFailure(card, error.message);
        }
      },
    },
    smsTo,
    smsBody,
    el('button', { type: 'submit', class: 'primary', dataset: { testid: 'sms-send' } }, 'Send'),
  );
  const dialTo = el('select', { name: 'dial-to', dataset: { testid: 'dial-to' } }, options());
  card.pickers = [smsTo, dialTo];
  // A choice made by hand sticks; until then, the pickers follow the number that last texted this phone.
  for (const picker of card.pickers) picker.addEventListener('change', () => (card.picked = true));
  const dial = el(
    'div',
    { class: 'dial' },
    dialTo,
    el(
      'button',
      {
        type: 'button',
        dataset: { testid: 'dial' },
        onclick: async () => {
          try {
            await api(`/sim/api/phones/${encodeURIComponent(phone.number)}/call`, { to: dialTo.value });
            showFailure(card, '');
          } catch (error) {
            showFailure(card, error.message);
          }
        },
      },
      'Call',
    ),
  );
  card.call = el('div', { class: 'call', dataset: { testid: 'call' } });
  card.root = el(
    'article',
    { class: 'phone', dataset: { number: phone.number, kind: phone.kind, testid: `phone-${phone.number}` } },
    el(
      'header',
      {},
      el('strong', {}, phone.name),
      el('span', { class: 'number' }, phone.number),
      phone.dials ? el('span', { class: 'dials', dataset: { testid: 'dials' } }, `calls ${numberLabel(phone.dials, labels)}`) : null,
    ),
    thread,
    form,
    dial,
    card.call,
    failure,
  );
  return card;
}

function renderThread(card, phone) {
  const key = JSON.stringify(phone.messages.map((m) => [m.sid, m.status]));
  if (key === card.threadKey) return;
  card.threadKey = key;
  card.thread.replaceChildren(
    ...phone.messages.map((m) =>
      el(
        'li',
        { class: `msg ${m.direction}`, dataset: { testid: 'sms', direction: m.direction, sid: m.sid } },
        el('span', { class: 'body' }, linkified(m.body)),
        el('span', { class: 'meta' }, `${m.direction === 'in' ? 'from' : 'to'} ${m.counterpart} · ${m.status}`),
      ),
    ),
  );
  card.thread.scrollTop = card.thread.scrollHeight;
  const lastSender = phone.messages.filter((m) => m.direction === 'in').at(-1)?.counterpart;
  if (!card.picked && lastSender) {
    for (const picker of card.pickers) if ([...picker.options].some((o) => o.value === lastSender)) picker.value = lastSender;
  }
}

/** Text with its web addresses as links (the acknowledgement link in a page opens its confirm page). */
function linkified(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    parts.push(text.slice(last, match.index));
    parts.push(el('a', { href: match[0], target: '_blank', rel: 'noopener', dataset: { testid: 'sms-link' } }, match[0]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function transcriptLine(entry) {
  switch (entry.kind) {
    case 'say':
      return el('li', { class: 'say', dataset: { testid: 'say', language: entry.language } }, `Says [${entry.language}]: ${entry.text}`);
    case 'play':
      return el('li', { class: 'note' }, entry.digits ? `Plays tones ${entry.digits}` : `Plays ${entry.url}`);
    case 'pause':
      return el('li', { class: 'note' }, `Pause ${entry.seconds}s`);
    case 'gather':
      return el('li', { class: 'note' }, `Waiting for ${entry.numDigits ? `${entry.numDigits} digit(s)` : 'digits'}${entry.finishOnKey ? `, end with ${entry.finishOnKey}` : ''}`);
    case 'pressed':
      return el('li', { class: 'note', dataset: { testid: 'pressed' } }, `you pressed ${entry.digits}`);
    case 'silence':
      return el('li', { class: 'note' }, 'you said nothing (timeout)');
    case 'record':
      return el('li', { class: 'note' }, `Recording (up to ${entry.maxLength}s)`);
    case 'recorded':
      return el('li', { class: 'note' }, `recorded ${entry.durationSeconds}s${entry.transcription ? `: “${entry.transcription}”` : ''}`);
    case 'redirect':
      return el('li', { class: 'note' }, `Redirect to ${entry.url}`);
    case 'error':
      return el('li', { class: 'error', dataset: { testid: 'call-error' } }, `Twilio error ${entry.code}: ${entry.message} — “${entry.spoken}”`);
    case 'ended':
      return el('li', { class: entry.status === 'canceled' ? 'note canceled' : 'note', dataset: { testid: 'ended', status: entry.status } }, endedText(entry.status));
    default:
      return el('li', { class: 'note' }, JSON.stringify(entry));
  }
}

function endedText(status) {
  switch (status) {
    case 'canceled':
      return 'call canceled before it was answered (the service hung up: someone has the incident)';
    case 'no-answer':
      return 'call ended: nobody answered';
    default:
      return `call ended: ${status}`;
  }
}

function callBadge(call) {
  if (call.phase === 'gathering') return `${call.status} · waiting for keys`;
  if (call.phase === 'recording') return `${call.status} · recording`;
  return call.status;
}

function renderCall(card, phone) {
  const call = phone.call;
  const key = call ? JSON.stringify([call.sid, call.phase, call.status, call.transcript.length, call.gather?.collected]) : '';
  if (key === card.callKey) return;
  card.callKey = key;
  if (!call) {
    card.call.replaceChildren();
    return;
  }
  const over = call.phase === 'ended';
  const ringing = call.role === 'callee' && call.phase === 'ringing';
  const title = call.role === 'caller' ? `Call to ${call.to}` : `Call from ${call.from}`;
  const parts = [
    el('div', { class: 'title' }, title, el('span', { class: 'badge', dataset: { testid: 'call-status' } }, callBadge(call))),
    el('ol', { class: 'transcript', dataset: { testid: 'transcript' } }, call.transcript.map(transcriptLine)),
  ];
  const controls = el('div', { class: 'controls' });
  if (ringing) {
    card.root.classList.add('ringing');
    controls.append(
      el('button', { type: 'button', class: 'primary', dataset: { testid: 'answer' }, onclick: () => act(card, call.sid, 'answer') }, 'Answer'),
      el('button', { type: 'button', class: 'danger', dataset: { testid: 'decline' }, onclick: () => act(card, call.sid, 'decline') }, 'Decline'),
    );
  } else {
    card.root.classList.remove('ringing');
  }
  if (call.gather) {
    const keypad = el(
      'div',
      { class: 'keypad', dataset: { testid: 'keypad' } },
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((k) =>
        el('button', { type: 'button', dataset: { testid: `key-${k}` }, onclick: () => act(card, call.sid, 'press', { digits: k }) }, k),
      ),
    );
    parts.push(keypad);
    controls.append(
      el('span', { class: 'note', dataset: { testid: 'collected' } }, call.gather.collected ? `typed: ${call.gather.collected}` : ''),
      el('button', { type: 'button', dataset: { testid: 'silence' }, onclick: () => act(card, call.sid, 'silence') }, 'Say nothing (timeout)'),
    );
  }
  if (call.record) {
    const text = el('textarea', { placeholder: 'What you say (Twilio will report it as the transcription)', dataset: { testid: 'record-text' } });
    const seconds = el('input', { type: 'number', min: '1', max: String(call.record.maxLength), value: '10', dataset: { testid: 'record-seconds' } });
    const finishOnKey = call.record.finishOnKey.includes('#') ? '#' : call.record.finishOnKey[0];
    parts.push(
      el(
        'div',
        { class: 'recording' },
        text,
        el(
          'div',
          { class: 'controls' },
          el('label', {}, 'seconds ', seconds),
          el(
            'button',
            {
              type: 'button',
              class: 'primary',
              dataset: { testid: 'record-stop' },
              onclick: () =>
                act(card, call.sid, 'record', {
                  transcription: text.value,
                  durationSeconds: Math.max(1, Number(seconds.value) || 10),
                  ...(finishOnKey ? { finishOnKey } : {}),
                }),
            },
            finishOnKey ? `Stop recording (${finishOnKey})` : 'Stop recording',
          ),
          el('button', { type: 'button', dataset: { testid: 'record-silence' }, onclick: () => act(card, call.sid, 'silence') }, 'Say nothing'),
        ),
      ),
    );
  }
  if (!over && !ringing) {
    controls.append(el('button', { type: 'button', class: 'danger', dataset: { testid: 'hangup' }, onclick: () => act(card, call.sid, 'hangup') }, 'Hang up'));
  }
  if (controls.childElementCount > 0) parts.push(controls);
  card.call.replaceChildren(...parts);
  const transcript = $('.transcript', card.call);
  if (transcript) transcript.scrollTop = transcript.scrollHeight;
}

// --- Traffic -------------------------------------------------------------------------------------

let trafficKey = '';
function renderTraffic(entries) {
  const key = entries.length ? `${entries.length}:${entries[entries.length - 1].seq}` : '';
  if (key === trafficKey) return;
  trafficKey = key;
  const rows = [...entries].reverse().map((t) => {
    let path = t.url;
    try {
      const url = new URL(t.url, location.origin);
      path = url.origin === location.origin ? url.pathname + url.search : url.href;
    } catch {
      // keep as is
    }
    return el(
      'tr',
      { class: t.status === null || t.status >= 400 ? 'bad' : '', dataset: { testid: 'traffic-row', channel: t.channel, kind: t.kind } },
      el('td', {}, t.at.slice(11, 19)),
      el('td', {}, t.channel === 'rest' ? 'service → Twilio' : 'Twilio → service'),
      el('td', { class: 'url' }, `${t.method} ${path}`),
      el('td', {}, t.status === null ? t.error || '—' : String(t.status)),
      el('td', {}, `${t.kind}${t.summary ? `: ${t.summary}` : ''}`, t.fault ? el('span', { class: 'fault' }, ` [${t.fault}]`) : null),
    );
  });
  $('#traffic').replaceChildren(...rows);
}

// --- Incidents (read from the service's API through the simulator) -------------------------------

const STATUS_WORDS = {
  triggered: 'paging',
  acknowledged: 'acknowledged',
  waiting_on_customer: 'waiting on the customer',
  resolved: 'resolved',
  closed_with_evidence: 'closed with evidence',
};

let incidentsKey = '';
let incidentsLoading = null;
function refreshIncidents() {
  incidentsLoading ??= fetch('/sim/api/incidents', { cache: 'no-store' })
    .then((response) => response.json())
    .then(renderIncidents)
    .catch((error) => console.error('sim: could not read incidents', error))
    .finally(() => (incidentsLoading = null));
  return incidentsLoading;
}

function renderIncidents(answer) {
  const key = JSON.stringify(answer);
  if (key === incidentsKey) return;
  incidentsKey = key;
  $('#incidents-note').textContent = answer.error ?? (answer.items.length ? '' : 'No incidents yet: call or text a standby number from a customer phone.');
  $('#incidents').replaceChildren(
    ...answer.items.map((i) =>
      el(
        'tr',
        { class: `incident ${i.status}`, dataset: { testid: 'incident', id: String(i.id), status: i.status } },
        el('td', {}, `#${i.id}`),
        el('td', {}, i.customer),
        el('td', {}, i.integration),
        el('td', {}, i.severity === 'blocker' ? 'Blocker' : 'High'),
        el('td', { dataset: { testid: 'incident-status' } }, STATUS_WORDS[i.status] ?? i.status),
        el('td', { dataset: { testid: 'incident-owner' } }, i.owner ?? '—'),
        el('td', {}, i.firstContactAt.slice(11, 19)),
      ),
    ),
  );
}

// --- State ---------------------------------------------------------------------------------------

function render(state) {
  current = state;
  $('#meta').textContent = `standby ${state.standbyNumbers.map((n) => numberLabel(n, state.standbyLabels ?? {})).join(', ') || '(any)'} · service ${state.serviceBaseUrl}`;
  $('#section-incidents').hidden = !state.incidentsPanel;
  if (state.incidentsPanel) void refreshIncidents();
  let others = 0;
  for (const phone of state.phones) {
    let card = cards.get(phone.number);
    if (!card) {
      card = createCard(phone, state.standbyNumbers.length ? state.standbyNumbers : [phone.number], state.standbyLabels ?? {});
      cards.set(phone.number, card);
      const group = phone.kind === 'customer' ? 'customer' : phone.kind === 'engineer' ? 'engineer' : 'other';
      $(`#group-${group}`).append(card.root);
    }
    if (phone.kind !== 'customer' && phone.kind !== 'engineer') others++;
    renderThread(card, phone);
    renderCall(card, phone);
  }
  $('#section-other').hidden = others === 0;
  $('#errors').replaceChildren(...state.errors.map((e) => el('li', {}, `Twilio error ${e.code}: ${e.message}${e.url ? ` (${e.url})` : ''}`)));
  renderTraffic(state.traffic);
}

let loading = false;
let again = false;
async function refresh() {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  try {
    const response = await fetch('/sim/api/state', { cache: 'no-store' });
    render(await response.json());
  } catch (error) {
    console.error('sim: could not read state', error);
  } finally {
    loading = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function connect() {
  const live = $('#live');
  const events = new EventSource('/sim/api/events');
  events.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.add('on');
    void refresh();
  });
  events.addEventListener('changed', () => void refresh());
  events.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.classList.remove('on');
  });
}

void refresh();
connect();
setInterval(() => {
  if (current?.incidentsPanel && !document.hidden) void refreshIncidents();
}, 3000);
// For debugging in the console.
window.sim = { get state() { return current; }, refresh };
