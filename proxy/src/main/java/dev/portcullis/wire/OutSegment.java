package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * What to put in one outgoing Ethernet + IPv4/IPv6 + TCP frame. The engine fills one reusable instance per
 * segment and {@link SegmentWriter#write} builds the frame, checksums complete, in the caller's buffer.
 * The payload may come in two pieces (a ring buffer that wraps); unused pieces have length 0.
 */
public final class OutSegment {
    public long srcMac, dstMac;
    public int vlanTci = -1;             // -1: untagged; else an 802.1Q tag is written
    public int ipVersion;                // 4 or 6
    public long srcHi, srcLo, dstHi, dstLo; // IPv4 as IPv4-mapped (ParsedFrame.v4Mapped)
    public int ttl = 64;
    public int trafficClass;             // ECN bits in the low two
    public int srcPort, dstPort;
    public int seq, ack, flags, window;  // window: the raw 16-bit field (already scaled down by the sender)
    // options; -1 / false when not sent. Written in the order MSS, SACK_PERM, TS, WS, SACK with NOP padding.
    public int mss = -1;
    public int windowScale = -1;
    public boolean sackPermitted;
    public boolean hasTimestamp;
    public int tsVal, tsEcr;
    public int sackBlockCount;
    public final int[] sackLeft = new int[4];
    public final int[] sackRight = new int[4];
    // payload
    public MemorySegment payload1, payload2;
    public long payload1Offset, payload2Offset;
    public int payload1Length, payload2Length;
    // offload (FrameSink.commitOffloaded)
    /** The TCP checksum field gets the pseudo-header sum only (folded, not complemented), for the kernel to finish. */
    public boolean partialChecksum;
    /** Payload bytes the caller copies in after the headers itself (only with partialChecksum); lengths count them. */
    public int externalPayloadLength;

    /** Clears the options and the payload (addresses, ports and MACs stay, for reuse on one connection). */
    public OutSegment resetSegment() {
        mss = -1; windowScale = -1; sackPermitted = false; hasTimestamp = false; sackBlockCount = 0;
        payload1 = payload2 = null; payload1Length = payload2Length = 0; payload1Offset = payload2Offset = 0;
        partialChecksum = false; externalPayloadLength = 0;
        flags = 0; trafficClass = 0;
        return this;
    }

    public int payloadLength() {
        return payload1Length + payload2Length + externalPayloadLength;
    }
}
