package dev.portcullis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The effective capability set of this process, from the CapEff line of /proc/self/status. */
final class Capabilities {
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_NET_RAW = 13;

    private final long effective;

    Capabilities(long effective) {
        this.effective = effective;
    }

    static Capabilities ofThisProcess() {
        try {
            return parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return new Capabilities(0);
        }
    }

    /** The "CapEff:\t0000003fffffffff" line of a /proc/PID/status text; none when it is missing. */
    static Capabilities parse(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    return new Capabilities(Long.parseUnsignedLong(line.substring(7).strip(), 16));
                } catch (NumberFormatException e) {
                    return new Capabilities(0);
                }
            }
        }
        return new Capabilities(0);
    }

    boolean has(int cap) {
        return (effective & (1L << cap)) != 0;
    }

    /** Null when the needed capabilities are there, else one line saying what is missing and how to run. */
    String missing(boolean needAdmin) {
        boolean raw = has(CAP_NET_RAW), admin = !needAdmin || has(CAP_NET_ADMIN);
        if (raw && admin) return null;
        String what = !raw && !admin ? "CAP_NET_RAW (AF_PACKET rings) and CAP_NET_ADMIN (the nftables rule)"
                : !raw ? "CAP_NET_RAW (AF_PACKET rings)" : "CAP_NET_ADMIN (the nftables rule; or set install-nft-rule = false and install it yourself)";
        return "portcullis: missing " + what + "; run as root, or with systemd AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN,"
                + " or under 'sudo capsh --caps=\"cap_net_raw,cap_net_admin+eip cap_setpcap+ep\" --addamb=cap_net_raw,cap_net_admin -- -c ...'";
    }
}
