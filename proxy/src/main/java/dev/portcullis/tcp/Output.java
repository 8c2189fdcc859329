package dev.portcullis.tcp;

import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.SegmentWriter;

import java.lang.foreign.MemorySegment;

/**
 * Turns one {@link OutSegment} into a whole Ethernet frame in the {@link FrameSink}: claim, write, commit. The
 * same instance is reused for every segment the engine sends, so sending allocates nothing.
 */
final class Output {
    /** Bytes of TCP options a segment of ours carries beyond the fixed header, as SegmentWriter pads them. */
    static int optionBytes(boolean ts, int sackBlocks) {
        int n = ts ? 12 : 0;
        if (sackBlocks > 0) n += 4 + 8 * sackBlocks;
        return n;
    }

    final OutSegment seg = new OutSegment();
    /** Mark the next segment ECT(0) (RFC 3168 §5); cleared by every send. */
    boolean ect;
    private final EngineCore core;
    private final int maxFrame;
    /** The largest offloaded frame (the sink's limit), or 0: no offloads, every frame within the MTU. */
    private final int offloadFrameMax;

    Output(EngineCore core) {
        this.core = core;
        maxFrame = core.cfg.mtu + 18; // Ethernet + 802.1Q
        offloadFrameMax = core.cfg.gsoMaxBytes > 0 ? Math.max(0, core.sink.offloadMaxFrame()) : 0;
    }

    /**
     * Payload bytes one offloaded frame on {@code c} may carry with {@code optionBytes} of TCP options: within the
     * sink's frame limit, the configured cap and the 16-bit IP length fields; 0 when the frame may not be
     * offloaded (no offloads, or an 802.1Q tag: the sink takes untagged frames only).
     */
    int offloadPayloadRoom(Connection c, int optionBytes) {
        if (offloadFrameMax == 0 || c.vlanTci >= 0) return 0;
        int tcp = 20 + optionBytes;
        int ip = c.v6 ? 40 : 20;
        int room = Math.min(offloadFrameMax - 14 - ip - tcp, 0xffff - tcp - (c.v6 ? 0 : ip));
        return Math.max(0, Math.min(room, core.cfg.gsoMaxBytes));
    }

    /** Addresses and ports of a reply to {@code f} (source and destination swapped), no options, no payload. */
    OutSegment replyTo(ParsedFrame f) {
        OutSegment s = seg.resetSegment();
        s.srcMac = core.cfg.localMac;
        s.dstMac = core.cfg.gatewayMac != 0 ? core.cfg.gatewayMac : f.srcMac;
        s.vlanTci = f.vlanTci;
        s.ipVersion = f.ipVersion;
        s.srcHi = f.dstHi;
        s.srcLo = f.dstLo;
        s.dstHi = f.srcHi;
        s.dstLo = f.srcLo;
        s.srcPort = f.dstPort;
        s.dstPort = f.srcPort;
        s.ttl = 64;
        return s;
    }

    /** Addresses and ports of a segment on connection {@code c}, no options, no payload. */
    OutSegment on(Connection c) {
        OutSegment s = seg.resetSegment();
        s.srcMac = core.cfg.localMac;
        s.dstMac = core.cfg.gatewayMac != 0 ? core.cfg.gatewayMac : c.peerMac;
        s.vlanTci = c.vlanTci;
        s.ipVersion = c.v6 ? 6 : 4;
        s.srcHi = c.lHi;
        s.srcLo = c.lLo;
        s.dstHi = c.rHi;
        s.dstLo = c.rLo;
        s.srcPort = c.lPort;
        s.dstPort = c.rPort;
        s.ttl = 64;
        return s;
    }

    /** Writes {@link #seg} into the sink; false (counted) when the batch is full or the frame does not fit. */
    boolean send() {
        markEct();
        FrameSink sink = core.sink;
        long off = sink.claim(maxFrame);
        if (off < 0) {
            core.ctr.txFull++;
            return false;
        }
        int len = SegmentWriter.write(seg, sink.buffer(), off, maxFrame);
        if (len < 0) {
            core.ctr.txFull++;
            sink.commit(off, 0);
            return false;
        }
        sink.commit(off, len);
        core.ctr.segmentsOut++;
        core.ctr.bytesOut += seg.payloadLength();
        return true;
    }

    /**
     * Writes {@link #seg} (its {@code externalPayloadLength} set, {@code partialChecksum} on) with the payload
     * copied from {@code snd} at stream position {@code pos}, and commits it for the sink to finish the checksum
     * and cut into segments of {@code segmentSize}; false (counted) when the sink has no room.
     */
    boolean sendOffloaded(ChunkRing snd, long pos, int segmentSize) {
        markEct();
        FrameSink sink = core.sink;
        int len = seg.externalPayloadLength;
        int frame = SegmentWriter.frameLength(seg);
        long off = sink.claimOffloaded(frame);
        if (off < 0) {
            core.ctr.txFull++;
            return false;
        }
        MemorySegment buf = sink.offloadBuffer();
        int n = SegmentWriter.write(seg, buf, off, frame);
        if (n < 0) {
            core.ctr.txFull++;
            sink.commitOffloaded(off, 0, 0);
            return false;
        }
        snd.read(pos, buf, off + n - len, len);
        sink.commitOffloaded(off, n, segmentSize);
        core.ctr.offloadFrames++;
        core.ctr.segmentsOut += len <= segmentSize ? 1 : (len + segmentSize - 1) / segmentSize;
        core.ctr.bytesOut += len;
        return true;
    }

    private void markEct() {
        if (ect) {
            seg.trafficClass = 0b10;
            ect = false;
        }
    }
}
