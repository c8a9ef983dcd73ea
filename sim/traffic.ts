import type { Clock } from '../src/clock.js';

/** One line of the traffic log: a REST request the service made or a webhook the simulator sent. */
export interface TrafficEntry {
  seq: number;
  at: string;
  channel: 'rest' | 'webhook';
  /** e.g. "messages.create", "calls.update", "sms", "voice", "voice-action", "call-status". */
  kind: string;
  method: string;
  url: string;
  /** HTTP status; null when nothing came back (network error, dropped by a fault). */
  status: number | null;
  /** A short human description: who, to whom, what. */
  summary: string;
  /** The form parameters sent or received. */
  params: Record<string, string | string[]>;
  /** Set when a fault shaped this exchange: "failNext 429", "duplicate", "dropped", … */
  fault?: string;
  error?: string;
  durationMs?: number;
}

export type TrafficListener = (entry: TrafficEntry) => void;

/** The record of everything that crossed the wire, newest last, bounded so a long dev session stays small. */
export class TrafficLog {
  readonly #entries: TrafficEntry[] = [];
  readonly #listeners = new Set<TrafficListener>();
  #seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limit = 2000,
  ) {}

  add(entry: Omit<TrafficEntry, 'seq' | 'at'>): TrafficEntry {
    const full: TrafficEntry = { seq: ++this.#seq, at: this.clock.now().toISOString(), ...entry };
    this.#entries.push(full);
    // Trimmed a quarter at a time: trimming at every entry moved the whole log each time (a storm adds thousands a second).
    if (this.#entries.length > this.limit + this.limit / 4) this.#entries.splice(0, this.#entries.length - this.limit);
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  get entries(): readonly TrafficEntry[] {
    return this.#entries.length > this.limit ? this.#entries.slice(-this.limit) : this.#entries;
  }

  subscribe(listener: TrafficListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
