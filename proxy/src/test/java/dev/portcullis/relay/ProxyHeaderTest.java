package dev.portcullis.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The encoders against the examples of haproxy's proxy-protocol.txt and RFC 5952. */
class ProxyHeaderTest {
    static final long FF = 0xffff_ffffL;

    static long v4(String s) throws Exception {
        byte[] b = InetAddress.getByName(s).getAddress();
        return 0x0000_ffff_0000_0000L | (ByteBuffer.wrap(b).getInt() & FF);
    }

    static long[] v6(String s) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(InetAddress.getByName(s).getAddress());
        return new long[]{b.getLong(), b.getLong()};
    }

    static String v1(long sHi, long sLo, int sp, long dHi, long dLo, int dp) {
        ByteBuf out = Unpooled.buffer();
        ProxyHeader.writeV1(out, sHi, sLo, sp, dHi, dLo, dp);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void v1_spec_example_tcp4() throws Exception {
        // proxy-protocol.txt §2.1: "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
        assertThat(v1(0, v4("192.168.0.1"), 56324, 0, v4("192.168.0.11"), 443))
                .isEqualTo("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
    }

    @Test
    void v1_worst_cases_fit_the_107_byte_limit() throws Exception {
        // §2.1: "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n" (56 bytes) and the TCP6 worst case (104)
        String four = v1(0, v4("255.255.255.255"), 65535, 0, v4("255.255.255.255"), 65535);
        assertThat(four).isEqualTo("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n").hasSize(56);
        long[] all = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        String six = v1(all[0], all[1], 65535, all[0], all[1], 65535);
        assertThat(six).isEqualTo("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")
                .hasSize(104);
    }

    @Test
    void v1_tcp6_uses_the_canonical_text() throws Exception {
        long[] s = v6("2001:db8::1"), d = v6("2001:db8::10");
        assertThat(v1(s[0], s[1], 1234, d[0], d[1], 80)).isEqualTo("PROXY TCP6 2001:db8::1 2001:db8::10 1234 80\r\n");
    }

    @Test
    void v2_tcp4_layout() throws Exception {
        ByteBuf out = Unpooled.buffer();
        ProxyHeader.writeV2(out, 0, v4("192.168.0.1"), 56324, 0, v4("192.168.0.11"), 443);
        // §2.2: 12-byte signature, 0x21 (v2, PROXY), 0x11 (AF_INET, STREAM), length 12, src, dst, sport, dport
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo(
                "0d0a0d0a000d0a515549540a" + "21" + "11" + "000c" + "c0a80001" + "c0a8000b" + "dc04" + "01bb");
    }

    @Test
    void v2_tcp6_layout() throws Exception {
        long[] s = v6("2001:db8::1"), d = v6("2001:db8::10");
        ByteBuf out = Unpooled.buffer();
        ProxyHeader.writeV2(out, s[0], s[1], 1234, d[0], d[1], 80);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo("0d0a0d0a000d0a515549540a" + "21" + "21" + "0024"
                + "20010db8000000000000000000000001" + "20010db8000000000000000000000010" + "04d2" + "0050");
        assertThat(out.readableBytes()).isEqualTo(16 + 36);
    }

    @ParameterizedTest
    @CsvSource({
            // RFC 5952 §4.2.1-4.2.3 and §4.3
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:DB8:0:0:0:0:2:1, 2001:db8::2:1",
            "0:0:0:0:0:0:0:0, ::",
            "0:0:0:0:0:0:0:1, ::1",
            "1:0:0:0:0:0:0:0, 1::",
            "fe80:0:0:0:1:0:0:0, fe80::1:0:0:0",
    })
    void ipv6_text_is_canonical(String in, String expected) throws Exception {
        long[] a = v6(in);
        assertThat(Ipv6Text.format(a[0], a[1])).isEqualTo(expected);
    }

    @Test
    void ipv6_text_round_trips_over_random_addresses() throws Exception {
        Random r = new Random(5952);
        for (int i = 0; i < 2000; i++) {
            long hi = sparse(r), lo = sparse(r);
            String s = Ipv6Text.format(hi, lo);
            long[] back = v6(s);
            assertThat(back).as(s).containsExactly(hi, lo);
            assertThat(s).doesNotContain(":::").isEqualTo(s.toLowerCase());
        }
    }

    /** Random 64 bits with many zero groups, so that the "::" rules are exercised. */
    private static long sparse(Random r) {
        long v = 0;
        for (int g = 0; g < 4; g++) v = (v << 16) | (r.nextInt(3) == 0 ? r.nextInt(0x10000) : 0);
        return v;
    }

    @Test
    void hex_helper_sanity() {
        assertThat(HexFormat.of().formatHex(ProxyHeader.V2_SIGNATURE)).isEqualTo("0d0a0d0a000d0a515549540a");
    }
}
