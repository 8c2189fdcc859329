package dev.portcullis.tcp;

import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParsedFrame;

import static dev.portcullis.wire.TcpFlags.ACK;
import static dev.portcullis.wire.TcpFlags.FIN;
import static dev.portcullis.wire.TcpFlags.RST;
import static dev.portcullis.wire.TcpFlags.SYN;

/**
 * RSTs for segments that match no connection (RFC 9293 §3.10.7.1) and for bad ACKs to a listener (§3.10.7.2),
 * all drawn from one token bucket so a flood of junk cannot turn us into a reflector. No state, no allocation.
 */
final class Resets {
    private Resets() {}

    /** Answers {@code f} with a RST unless it is one; false when the bucket was empty (or the rate is 0). */
    static boolean reply(EngineCore core, ParsedFrame f) {
        if ((f.flags & RST) != 0) return false;
        if (!core.rstLimiter.tryAcquire(core.nowNs)) {
            core.ctr.rstsRateLimited++;
            return false;
        }
        OutSegment s = core.out.replyTo(f);
        if ((f.flags & ACK) != 0) {
            s.seq = f.ack;          // <SEQ=SEG.ACK><CTL=RST>
            s.flags = RST;
        } else {
            s.seq = 0;              // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
            s.ack = f.seq + f.payloadLength + ((f.flags & SYN) != 0 ? 1 : 0) + ((f.flags & FIN) != 0 ? 1 : 0);
            s.flags = RST | ACK;
        }
        s.window = 0;
        core.out.send();
        core.ctr.rstsSent++;
        return true;
    }
}
