package dev.portcullis.loadtest.net;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** AF_PACKET constants and the sockaddr_ll the load tools bind with; the calls go through dev.portcullis.io.Native. */
public final class PacketConst {
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SOL_PACKET = 263;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;
    public static final int TPACKET_V2 = 1;
    /** htons(ETH_P_ALL) as the kernel reads it (big-endian in a host-order short). */
    public static final int ETH_P_ALL_BE = 0x0300;

    private PacketConst() {
    }

    /** sockaddr_ll { family AF_PACKET, protocol (big-endian), ifindex }: 20 bytes. */
    public static MemorySegment sockaddrLl(Arena a, int ifindex, int protocolBe) {
        MemorySegment sll = a.allocate(20, 4);
        sll.set(ValueLayout.JAVA_SHORT, 0, (short) dev.portcullis.io.Native.AF_PACKET);
        sll.set(ValueLayout.JAVA_SHORT, 2, (short) protocolBe);
        sll.set(ValueLayout.JAVA_INT, 4, ifindex);
        return sll;
    }
}
