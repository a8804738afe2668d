package dev.finetuner.internal;

import java.util.Arrays;

/**
 * A map from long keys to long values with open addressing: 16 bytes per entry at most half full, no
 * boxing. Holds a dataset's example hashes (key) and first lines (value) in bounded memory. Key 0 is
 * stored apart. Not thread-safe.
 */
public final class LongLongMap {
    private long[] keys;
    private long[] values;
    private int size;
    private boolean hasZero;
    private long zeroValue;

    /**
     * An empty map sized for {@code expected} keys; it grows past them.
     *
     * @param expected the number of keys expected
     */
    public LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
    }

    /**
     * Stores {@code value} under {@code key} unless the key is present; returns the present value or -1.
     *
     * @param key the key
     * @param value the value
     * @return the present value, or -1 when the value was stored
     */
    public long putIfAbsent(long key, long value) {
        if (key == 0) {
            if (hasZero) {
                return zeroValue;
            }
            hasZero = true;
            zeroValue = value;
            return -1;
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != 0) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return -1;
    }

    /** {@return the number of keys} */
    public int size() {
        return size + (hasZero ? 1 : 0);
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = mix(oldKeys[j]) & mask;
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "LongLongMap[size=" + size() + ", capacity=" + keys.length + "]";
    }

    /** Removes every entry, keeping the capacity. */
    public void clear() {
        Arrays.fill(keys, 0);
        size = 0;
        hasZero = false;
    }
}
