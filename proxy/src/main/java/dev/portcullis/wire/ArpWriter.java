package dev.portcullis.wire;

import java.lang.foreign.MemorySegment;

/**
 * Writes ARP frames (RFC 826) in place: the reply that claims a VIP, and the gratuitous announcement sent at
 * start (RFC 5227 §3: an ARP request with sender and target IP both the announced address). Frames are 42 bytes
 * (46 tagged); the NIC pads to the Ethernet minimum. Each method returns the frame length or -1 when
 * {@code capacity} is too small.
 */
public final class ArpWriter {
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private ArpWriter() {
    }

    /**
     * A reply telling {@code targetMac}/{@code targetIp} that {@code ourIp} is at {@code ourMac}, sent to
     * {@code targetMac}.
     */
    public static int reply(MemorySegment buf, long offset, int capacity, long ourMac, int ourIp, long targetMac,
                            int targetIp, int vlanTci) {
        int len = EthernetView.headerLength(vlanTci) + ArpView.LENGTH;
        if (len > capacity || offset < 0 || offset > buf.byteSize() - len) return -1;
        int eth = EthernetView.write(buf, offset, targetMac, ourMac, vlanTci, EthernetView.ETHERTYPE_ARP);
        ArpView.write(buf, offset + eth, ArpView.OP_REPLY, ourMac, ourIp, targetMac, targetIp);
        return len;
    }

    /** The reply to a parsed request for {@code request.arpTargetIp}, with the request's tag. */
    public static int reply(ParsedFrame request, long ourMac, MemorySegment buf, long offset, int capacity) {
        return reply(buf, offset, capacity, ourMac, request.arpTargetIp, request.arpSenderMac, request.arpSenderIp,
            request.vlanTci);
    }

    /** A gratuitous ARP announcement of {@code ip} at {@code ourMac}, broadcast. */
    public static int gratuitous(MemorySegment buf, long offset, int capacity, long ourMac, int ip, int vlanTci) {
        int len = EthernetView.headerLength(vlanTci) + ArpView.LENGTH;
        if (len > capacity || offset < 0 || offset > buf.byteSize() - len) return -1;
        int eth = EthernetView.write(buf, offset, BROADCAST, ourMac, vlanTci, EthernetView.ETHERTYPE_ARP);
        ArpView.write(buf, offset + eth, ArpView.OP_REQUEST, ourMac, ip, 0L, ip);
        return len;
    }
}
