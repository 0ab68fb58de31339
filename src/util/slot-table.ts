/**
 * Things in flight (pending writes, waiters), addressed by a small integer slot:
 * add, get and delete without hashing.
 *
 * Used instead of a `Map` or `Set` for entries that come and go once per request: with
 * a `Set` of in-flight responses, every request's whole object graph survived V8's
 * young-generation collections into the old generation (measured; docs/decisions/0004).
 * The likely mechanism: a hash table that gains and loses an entry per request keeps
 * rehashing into new backing tables, and what the discarded tables still point to counts
 * as live until the next full collection. A slot array is written in place, and a freed
 * slot points to nothing.
 *
 * @example
 * ```ts
 * const table = new SlotTable<Promise<void>>();
 * const slot = table.add(write);
 * void write.finally(() => table.delete(slot));
 * await Promise.all(table.values());
 * ```
 */
export class SlotTable<T> {
  readonly #items: (T | undefined)[] = [];
  readonly #free: number[] = [];
  #size = 0;

  /** Entries in the table. */
  get size(): number {
    return this.#size;
  }

  /** Stores `item` and returns its slot (a freed slot is reused). */
  add(item: T): number {
    const slot = this.#free.pop() ?? this.#items.length;
    this.#items[slot] = item;
    this.#size++;
    return slot;
  }

  /** The entry in `slot`, or undefined when the slot is free. */
  get(slot: number): T | undefined {
    return this.#items[slot];
  }

  /** Frees `slot`; returns what it held (undefined when it was already free). */
  delete(slot: number): T | undefined {
    const item = this.#items[slot];
    if (item === undefined) return undefined;
    this.#items[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return item;
  }

  /** A snapshot of the occupied slots and their entries, in slot order. */
  entries(): [number, T][] {
    const out: [number, T][] = [];
    this.#items.forEach((item, slot) => {
      if (item !== undefined) out.push([slot, item]);
    });
    return out;
  }

  /** A snapshot of the entries, in slot order. */
  values(): T[] {
    const out: T[] = [];
    for (const item of this.#items) if (item !== undefined) out.push(item);
    return out;
  }
}
