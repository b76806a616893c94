/**
 * Reads for many callers in one query. Keys asked for in the same tick, or while a load is
 * running, are loaded together next: one load in flight, the rest gathering for the one after.
 * Alone, a key is loaded at once; under load the batches grow with it. The outbox dispatcher's
 * workers read a card's message references and its request's current state this way, and the
 * Slack inbox writes the requests that arrive together in one insert (one commit) before their
 * acks (src/db/inbox.ts).
 *
 * Each value is read after its key was asked for, never from an earlier load: a caller sees
 * state at least as new as when it asked.
 */
export class BatchLoader<K, V> {
  private pending: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  /** `loadMany` returns one value per key, in the keys' order. */
  constructor(
    private readonly loadMany: (keys: K[]) => Promise<V[]>,
    private readonly maxBatch = 250,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (!this.running) {
        this.running = true;
        queueMicrotask(() => void this.run());
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const values = await this.loadMany(batch.map((b) => b.key));
          if (values.length !== batch.length) throw new Error(`batch load returned ${values.length} values for ${batch.length} keys`);
          batch.forEach((b, i) => b.resolve(values[i] as V));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
