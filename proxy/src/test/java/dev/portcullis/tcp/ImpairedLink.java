package dev.portcullis.tcp;

import java.util.PriorityQueue;
import java.util.Random;

/**
 * One direction of a simulated impaired path, in virtual time, with the semantics of the bench's impairment
 * bridge (loadtest ImpairPolicy): serialization at {@code bytesPerNs} behind a drop-tail queue, then per frame
 * loss, a delay uniform in [delay - jitter, delay + jitter] that keeps frames in order, a reorder that holds the
 * frame {@code max(1 ms, delay / 2)} beyond the in-order release time so that later frames pass it, and a
 * duplicate released right after the original. Seeded: the same seed gives the same decisions.
 */
final class ImpairedLink implements LossyDownloadTest.Link {
    private record Item(long at, long order, byte[] frame) {}

    private final PriorityQueue<Item> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.order, b.order));
    private final Random rnd;
    private final double loss, reorder, dup, bytesPerNs;
    private final long delayNs, jitterNs, holdNs, queueBytes;
    private long busyUntil, lastRelease = Long.MIN_VALUE, order;
    long sent, lost, reordered, duplicated, tailDrops;

    ImpairedLink(long seed, double loss, double reorder, double dup, long delayNs, long jitterNs, double bytesPerNs,
                 long queueBytes) {
        this.rnd = new Random(seed);
        this.loss = loss;
        this.reorder = reorder;
        this.dup = dup;
        this.delayNs = delayNs;
        this.jitterNs = jitterNs;
        this.holdNs = Math.max(1_000_000L, delayNs / 2);
        this.bytesPerNs = bytesPerNs;
        this.queueBytes = queueBytes;
    }

    /** The issue's path: 5 % loss, 5 % reordering, 1 % duplication, 10 ± 5 ms, at 50 MB/s. */
    static ImpairedLink issue9(long seed) {
        return new ImpairedLink(seed, 0.05, 0.05, 0.01, 10_000_000L, 5_000_000L, 0.05, 1 << 20);
    }

    @Override public void send(long now, byte[] b) {
        sent++;
        long start = Math.max(now, busyUntil);
        if ((start - now) * bytesPerNs > queueBytes) {
            tailDrops++;
            return;
        }
        busyUntil = start + (long) Math.ceil(b.length / bytesPerNs);
        if (rnd.nextDouble() < loss) {
            lost++;
            return;
        }
        long at = busyUntil + delayNs + (jitterNs > 0 ? (long) (rnd.nextDouble() * (2 * jitterNs + 1)) - jitterNs : 0);
        if (rnd.nextDouble() < reorder) {
            reordered++;
            at = Math.max(at, lastRelease) + holdNs;
        } else {
            if (lastRelease != Long.MIN_VALUE && at < lastRelease) at = lastRelease;
            lastRelease = at;
        }
        queue.add(new Item(at, order++, b));
        if (rnd.nextDouble() < dup) {
            duplicated++;
            queue.add(new Item(at, order++, b));
        }
    }

    @Override public long next() {
        Item i = queue.peek();
        return i == null ? Long.MAX_VALUE : i.at;
    }

    @Override public byte[] poll() {
        return queue.poll().frame;
    }

    @Override public String toString() {
        return "sent " + sent + ", lost " + lost + ", reordered " + reordered + ", duplicated " + duplicated
                + ", tail drops " + tailDrops;
    }
}
