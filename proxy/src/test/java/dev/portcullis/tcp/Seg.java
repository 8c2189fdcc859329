package dev.portcullis.tcp;

import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Builds inbound test frames through the real writer and parser, so the engine sees what io would hand it. */
final class Seg {
    static final long CLIENT_MAC = 0x02_00_00_00_00_02L, LOCAL_MAC = 0x02_00_00_00_00_01L;
    static final int CLIENT_V4 = 0x0a00_0002, VIP_V4 = 0x0a00_0001;
    static final long CLIENT_V6_HI = 0x2001_0db8_0000_0000L, CLIENT_V6_LO = 2, VIP_V6_HI = 0x2001_0db8_0000_0000L,
            VIP_V6_LO = 1;

    final OutSegment out = new OutSegment();
    final ParsedFrame parsed = new ParsedFrame();
    final MemorySegment buf = Arena.ofAuto().allocate(70_000);

    /** Resets {@link #out} to a client → VIP segment of the given family. */
    OutSegment start(boolean v6, int srcPort, int dstPort) {
        OutSegment s = out.resetSegment();
        s.srcMac = CLIENT_MAC;
        s.dstMac = LOCAL_MAC;
        s.vlanTci = -1;
        s.ipVersion = v6 ? 6 : 4;
        if (v6) {
            s.srcHi = CLIENT_V6_HI; s.srcLo = CLIENT_V6_LO; s.dstHi = VIP_V6_HI; s.dstLo = VIP_V6_LO;
        } else {
            s.srcHi = 0; s.srcLo = ParsedFrame.v4Mapped(CLIENT_V4); s.dstHi = 0; s.dstLo = ParsedFrame.v4Mapped(VIP_V4);
        }
        s.srcPort = srcPort;
        s.dstPort = dstPort;
        s.window = 65535;
        return s;
    }

    /** Writes {@link #out} and parses it into {@link #parsed}. */
    ParsedFrame build() {
        int vlan = out.vlanTci;
        int len = SegmentWriter.write(out, buf, 0, (int) buf.byteSize());
        if (len < 0) throw new IllegalStateException("segment does not fit");
        int v = FrameParser.parse(buf, 0, len, parsed);
        if (v != ParseVerdict.OK) throw new IllegalStateException("test frame rejected: " + ParseVerdict.name(v));
        if (vlan >= 0) parsed.vlanTci = vlan;
        return parsed;
    }
}
