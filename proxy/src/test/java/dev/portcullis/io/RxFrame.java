package dev.portcullis.io;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** A copied ring frame with just enough decoding for the tests (the real parser is wire's FrameParser). */
record RxFrame(byte[] b, int status, int vlanTci) {
    int u8(int o) {
        return b[o] & 0xff;
    }

    int u16(int o) {
        return (u8(o) << 8) | u8(o + 1);
    }

    int u32(int o) {
        return (u16(o) << 16) | u16(o + 2);
    }

    int etherType() {
        return u16(12);
    }

    boolean isArp() {
        return etherType() == 0x0806;
    }

    boolean isIpv4() {
        return etherType() == 0x0800;
    }

    boolean isIpv6() {
        return etherType() == 0x86dd;
    }

    int l4() {
        return isIpv4() ? 14 + (u8(14) & 0xf) * 4 : 54;
    }

    int ipProto() {
        return isIpv4() ? u8(23) : u8(20);
    }

    boolean isTcp() {
        return (isIpv4() || isIpv6()) && ipProto() == 6;
    }

    int dst4() {
        return u32(30);
    }

    int srcPort() {
        return u16(l4());
    }

    int dstPort() {
        return u16(l4() + 2);
    }

    int tcpFlags() {
        return u8(l4() + 13);
    }

    boolean isSyn() {
        return isTcp() && (tcpFlags() & 0x12) == 0x02;
    }

    /** RFC 793 checksum over the IPv4 pseudo-header and the TCP segment: true when it verifies. */
    boolean tcpChecksumVerifies() {
        int l4 = l4();
        int tcpLen = u16(16) - (l4 - 14);
        long sum = 0;
        sum += u16(26) + u16(28) + u16(30) + u16(32) + 6 + tcpLen;
        for (int i = 0; i + 1 < tcpLen; i += 2) {
            sum += u16(l4 + i);
        }
        if ((tcpLen & 1) != 0) {
            sum += u8(l4 + tcpLen - 1) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    /** A handler that copies every frame into {@code into}. */
    static PacketSocket.RxHandler collector(List<RxFrame> into) {
        return (MemorySegment ring, long offset, int length, int status, int vlanTci) ->
                into.add(new RxFrame(PacketSocket.copy(ring, offset, length), status, vlanTci));
    }

    /** Reads blocks until {@code enough} frames matching {@code want} arrived or {@code timeoutMs} passed. */
    static List<RxFrame> collect(PacketSocket s, java.util.function.Predicate<RxFrame> want, int enough,
                                 long timeoutMs) throws java.io.IOException {
        List<RxFrame> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        PacketSocket.RxHandler h = collector(all);
        while (System.nanoTime() - deadline < 0 && all.stream().filter(want).count() < enough) {
            if (s.awaitBlock(20)) {
                s.readBlocks(h, 16);
            }
        }
        return all;
    }
}
