package dev.portcullis.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class CidrTableTest {
    static long v4(int a, int b, int c, int d) {
        return 0x0000_ffff_0000_0000L | ((long) a << 24 | b << 16 | c << 8 | d) & 0xffff_ffffL;
    }

    @Test
    void parses_both_families_and_refuses_typos() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertThat(c.bits()).isEqualTo(104);
        assertThat(c.contains(0, v4(10, 200, 3, 4))).isTrue();
        assertThat(c.contains(0, v4(11, 0, 0, 0))).isFalse();
        assertThat(Cidr.parse("2001:db8::/32").contains(0x2001_0db8_ffff_0000L, 5)).isTrue();
        assertThat(Cidr.parse("192.0.2.7").bits()).isEqualTo(128);
        assertThat(Cidr.parse("::/0").contains(-1, -1)).isTrue();
        assertThat(Cidr.parse("10.1.2.3/8")).as("host bits set").isNull();
        assertThat(Cidr.parse("10.0.0.0/33")).isNull();
        assertThat(Cidr.parse("example.com/24")).as("no DNS").isNull();
        assertThat(Cidr.parse("10.0.0/24")).isNull();
        assertThat(Cidr.parse("10.0.0.0/")).isNull();
        assertThat(Cidr.parse("2001:db8::/129")).isNull();
    }

    @Test
    void overlapping_and_adjacent_blocks_merge() {
        CidrTable t = CidrTable.of("10.0.0.0/25", "10.0.0.128/25", "10.0.0.0/24", "10.0.0.5", "192.168.0.0/16", "2001:db8::/32");
        assertThat(t.ranges()).isEqualTo(3);
        assertThat(t.contains(0, v4(10, 0, 0, 255))).isTrue();
        assertThat(t.contains(0, v4(10, 0, 1, 0))).isFalse();
        assertThat(t.contains(0, v4(192, 168, 77, 1))).isTrue();
        assertThat(t.contains(0x2001_0db8_0000_0000L, 0)).isTrue();
        assertThat(t.contains(0x2001_0db9_0000_0000L, 0)).isFalse();
        assertThat(CidrTable.of("::/0", "10.0.0.0/8").ranges()).isEqualTo(1);
        assertThat(new CidrTable(List.of()).contains(0, v4(1, 2, 3, 4))).isFalse();
    }

    /** Property: the table agrees with a linear scan of the blocks, for random blocks and probes near them. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void agrees_with_a_linear_scan(long seed) {
        Random r = new Random(seed);
        List<Cidr> blocks = new ArrayList<>();
        for (int i = 0; i < 1 + r.nextInt(60); i++) {
            if (r.nextBoolean()) {
                int len = r.nextInt(33);
                int a = len == 0 ? 0 : r.nextInt() & (int) (-1L << (32 - len));
                blocks.add(Cidr.parse(((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255) + "/" + len));
            } else {
                int len = r.nextInt(129);
                long hi = r.nextLong() & 0xfffffff0ffffffffL & Cidr.maskHi(len), lo = r.nextLong() & Cidr.maskLo(len);
                blocks.add(new Cidr(hi, lo, len, "random"));
            }
        }
        CidrTable t = new CidrTable(blocks);
        for (int i = 0; i < 20_000; i++) {
            Cidr near = blocks.get(r.nextInt(blocks.size()));
            long hi, lo;
            switch (r.nextInt(4)) {
                case 0 -> { hi = near.hi(); lo = near.lo(); }
                case 1 -> { hi = near.lastHi(); lo = near.lastLo(); }
                case 2 -> { hi = near.lastHi(); lo = near.lastLo() + 1; if (lo == 0) hi++; }
                default -> { hi = r.nextBoolean() ? 0 : r.nextLong(); lo = r.nextBoolean() ? v4(r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256)) : r.nextLong(); }
            }
            boolean expect = false;
            for (Cidr c : blocks) expect |= c.contains(hi, lo);
            assertThat(t.contains(hi, lo)).as("%x %x", hi, lo).isEqualTo(expect);
        }
    }
}
