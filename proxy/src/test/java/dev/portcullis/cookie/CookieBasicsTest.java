package dev.portcullis.cookie;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.wire.ParsedFrame;
import org.junit.jupiter.api.Test;

class CookieBasicsTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
    private static final long SRC = ParsedFrame.v4Mapped(0x0a000001), DST = ParsedFrame.v4Mapped(0x0a000002);
    private static final long NOW = 1_795_000_000L;

    @Test
    void cookieChecksBackToItsMssIndex() {
        CookieCodec c = new CookieCodec(SECRET);
        for (int mss = 0; mss < 4; mss++) {
            int cookie = c.generate(0, SRC, 40000, 0, DST, 80, 12345, mss, NOW);
            assertThat(c.check(0, SRC, 40000, 0, DST, 80, 12345, cookie, NOW + 30)).isEqualTo(mss);
            assertThat(c.check(0, SRC, 40001, 0, DST, 80, 12345, cookie, NOW)).isEqualTo(CookieCodec.REJECT_HASH);
            assertThat(c.check(0, SRC, 40000, 0, DST, 80, 12345, cookie, NOW + 180)).isEqualTo(CookieCodec.REJECT_TOO_OLD);
        }
    }

    @Test
    void randomSecretsMakeIndependentCodecs() {
        CookieCodec a = new CookieCodec(CookieCodec.randomSecret()), b = new CookieCodec(CookieCodec.randomSecret());
        int cookie = a.generate(0, SRC, 1, 0, DST, 2, 3, 1, NOW);
        assertThat(a.check(0, SRC, 1, 0, DST, 2, 3, cookie, NOW)).isEqualTo(1);
        assertThat(b.check(0, SRC, 1, 0, DST, 2, 3, cookie, NOW)).isEqualTo(CookieCodec.REJECT_HASH);
    }

    @Test
    void secretLengthIsChecked() {
        assertThatThrownBy(() -> new CookieCodec(new byte[15])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CookieCodec(new byte[65])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mssTableRoundsDownToRealClientValues() {
        assertThat(MssTable.indexFor(1460, false)).isEqualTo(3);
        assertThat(MssTable.indexFor(1459, false)).isEqualTo(2);
        assertThat(MssTable.indexFor(1452, false)).isEqualTo(2);
        assertThat(MssTable.indexFor(1360, false)).isEqualTo(1);
        assertThat(MssTable.indexFor(1000, false)).isEqualTo(0);
        assertThat(MssTable.indexFor(-1, false)).isEqualTo(0);
        assertThat(MssTable.indexFor(65495, false)).isEqualTo(3);
        assertThat(MssTable.mss(0, false)).isEqualTo(536);
        assertThat(MssTable.indexFor(1440, true)).isEqualTo(2);
        assertThat(MssTable.indexFor(8960, true)).isEqualTo(3);
        assertThat(MssTable.indexFor(1220, true)).isEqualTo(0);
        assertThat(MssTable.mss(3, true)).isEqualTo(8940);
        assertThat(MssTable.mss(4, true)).isEqualTo(-1);
        for (int i = 0; i < MssTable.SIZE; i++) {
            assertThat(MssTable.indexFor(MssTable.mss(i, false), false)).isEqualTo(i);
            assertThat(MssTable.indexFor(MssTable.mss(i, true), true)).isEqualTo(i);
        }
    }

    @Test
    void tsCookieKeepsOptionsAndNeverRunsAhead() {
        int clock = 0x1234_5600;    // low 6 bits 0: options would run ahead, so it steps back 64
        int ts = TsCookie.encode(clock, 7, true, false);
        assertThat(Integer.compareUnsigned(ts, clock)).isLessThanOrEqualTo(0);
        assertThat(TsCookie.wscale(ts)).isEqualTo(7);
        assertThat(TsCookie.sack(ts)).isTrue();
        assertThat(TsCookie.ecn(ts)).isFalse();
        int none = TsCookie.encode(0x7fff_ffff, -1, false, true);
        assertThat(TsCookie.wscale(none)).isEqualTo(-1);
        assertThat(TsCookie.ecn(none)).isTrue();
        assertThat(TsCookie.wscale(TsCookie.encode(99, 20, false, false))).isEqualTo(14);
    }

    @Test
    void isnAdvancesWithTheClockAndDependsOnTheTuple() {
        IsnGenerator g = new IsnGenerator(SECRET);
        int a = g.isn(0, DST, 80, 0, SRC, 40000, 1_000_000_000L);
        int b = g.isn(0, DST, 80, 0, SRC, 40000, 1_000_004_000L);
        assertThat(b - a).isEqualTo(1);
        assertThat(g.isn(0, DST, 80, 0, SRC, 40001, 1_000_000_000L)).isNotEqualTo(a);
        assertThat(new IsnGenerator(SECRET).isn(0, DST, 80, 0, SRC, 40000, 1_000_000_000L)).isEqualTo(a);
    }
}
