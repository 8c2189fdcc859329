package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A set of CIDR blocks, both families, built once: the blocks become ranges of the 128-bit space, sorted and
 * merged where they overlap or touch, kept in four parallel {@code long[]}. A lookup is a binary search over the
 * range starts (unsigned 128-bit compares): log2(n) steps, no allocation, the same for IPv4 (mapped) and IPv6.
 */
public final class CidrTable {
    private final long[] startHi, startLo, endHi, endLo;
    private final int size;

    public CidrTable(List<Cidr> blocks) {
        List<Cidr> sorted = new ArrayList<>(blocks);
        sorted.sort(Comparator.comparing((Cidr c) -> c.hi(), Long::compareUnsigned).thenComparing(Cidr::lo, Long::compareUnsigned));
        long[] sh = new long[sorted.size()], sl = new long[sorted.size()], eh = new long[sorted.size()], el = new long[sorted.size()];
        int n = 0;
        for (Cidr c : sorted) {
            long h = c.hi(), l = c.lo(), lh = c.lastHi(), ll = c.lastLo();
            // merge when this block starts at or before one past the previous end
            if (n > 0 && !afterNext(h, l, eh[n - 1], el[n - 1])) {
                if (cmp(lh, ll, eh[n - 1], el[n - 1]) > 0) {
                    eh[n - 1] = lh;
                    el[n - 1] = ll;
                }
                continue;
            }
            sh[n] = h; sl[n] = l; eh[n] = lh; el[n] = ll;
            n++;
        }
        startHi = Arrays.copyOf(sh, n);
        startLo = Arrays.copyOf(sl, n);
        endHi = Arrays.copyOf(eh, n);
        endLo = Arrays.copyOf(el, n);
        size = n;
    }

    public static CidrTable of(String... blocks) {
        List<Cidr> l = new ArrayList<>();
        for (String b : blocks) {
            Cidr c = Cidr.parse(b);
            if (c == null) throw new IllegalArgumentException("not a CIDR block: " + b);
            l.add(c);
        }
        return new CidrTable(l);
    }

    /** Ranges after merging. */
    public int ranges() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** True when the 128-bit address is in one of the blocks. */
    public boolean contains(long hi, long lo) {
        int low = 0, high = size - 1, found = -1;
        while (low <= high) { // the last range whose start is <= the address
            int mid = (low + high) >>> 1;
            if (cmp(startHi[mid], startLo[mid], hi, lo) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found >= 0 && cmp(hi, lo, endHi[found], endLo[found]) <= 0;
    }

    /** Unsigned 128-bit compare. */
    static int cmp(long ah, long al, long bh, long bl) {
        int c = Long.compareUnsigned(ah, bh);
        return c != 0 ? c : Long.compareUnsigned(al, bl);
    }

    /** True when (h, l) is more than one past (eh, el): a gap between the ranges. */
    private static boolean afterNext(long h, long l, long eh, long el) {
        if (eh == -1L && el == -1L) return false; // the previous range reaches the top of the space
        long nl = el + 1, nh = el == -1L ? eh + 1 : eh;
        return cmp(h, l, nh, nl) > 0;
    }
}
