import { SlotTable } from '../../../src/util/slot-table.js';

describe('SlotTable', () => {
  it('stores entries under the slots it hands out and counts them', () => {
    const table = new SlotTable<string>();
    const a = table.add('a');
    const b = table.add('b');
    expect(a).not.toBe(b);
    expect(table.get(a)).toBe('a');
    expect(table.get(b)).toBe('b');
    expect(table.size).toBe(2);
  });

  it('frees a slot on delete, returns what it held, and ignores a second delete', () => {
    const table = new SlotTable<string>();
    const a = table.add('a');
    table.add('b');
    expect(table.delete(a)).toBe('a');
    expect(table.delete(a)).toBeUndefined();
    expect(table.get(a)).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.values()).toEqual(['b']);
  });

  it('reuses freed slots, so the backing array does not grow with the number of requests', () => {
    const table = new SlotTable<number>();
    const slots = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const first = table.add(i);
      const second = table.add(i);
      slots.add(first).add(second);
      table.delete(first);
      table.delete(second);
    }
    expect(table.size).toBe(0);
    expect(slots.size).toBe(2);
  });

  it('lists occupied slots with their entries in slot order', () => {
    const table = new SlotTable<string>();
    const a = table.add('a');
    const b = table.add('b');
    const c = table.add('c');
    table.delete(b);
    expect(table.entries()).toEqual([
      [a, 'a'],
      [c, 'c'],
    ]);
  });
});
