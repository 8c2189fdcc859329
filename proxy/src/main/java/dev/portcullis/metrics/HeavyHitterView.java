package dev.portcullis.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The heavy hitters of all shards together: PACKET_FANOUT spreads one source's SYNs over the shards, so each
 * shard's top list holds part of its rate; the parts of one key are summed, then the top 10 kept. Off the
 * packet path (scrape, admin page).
 */
final class HeavyHitterView {
    /** One row: rank from 1, the address or prefix as text, SYNs per second (upper bound) and its error bound. */
    record Row(int rank, String key, long rate, long error) {}

    private HeavyHitterView() {}

    static List<Row> top(List<ShardSnapshot> shards, boolean prefixes, int n) {
        record Key(long hi, long lo) {}
        Map<Key, long[]> sum = new HashMap<>();
        for (ShardSnapshot s : shards) {
            int m = prefixes ? s.topPrefixes : s.topSources;
            for (int i = 0; i < m; i++) {
                Key k = prefixes ? new Key(s.topPrefixHi[i], s.topPrefixLo[i]) : new Key(s.topSourceHi[i], s.topSourceLo[i]);
                long[] v = sum.computeIfAbsent(k, x -> new long[2]);
                v[0] += prefixes ? s.topPrefixCount[i] : s.topSourceCount[i];
                v[1] += prefixes ? s.topPrefixError[i] : s.topSourceError[i];
            }
        }
        List<Map.Entry<Key, long[]>> entries = new ArrayList<>(sum.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Math.min(n, entries.size()); i++) {
            Key k = entries.get(i).getKey();
            long[] v = entries.get(i).getValue();
            rows.add(new Row(i + 1, prefixes ? AddressText.prefix(k.hi(), k.lo()) : AddressText.address(k.hi(), k.lo()), v[0], v[1]));
        }
        return rows;
    }
}
