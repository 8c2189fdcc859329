package dev.portcullis.loadtest.impair;

import dev.portcullis.loadtest.net.Sys;

import java.io.IOException;

/**
 * A plain AF_PACKET socket on one interface for the bridge: receives every frame arriving on it (not the ones
 * the bridge itself sends out of it: PACKET_IGNORE_OUTGOING) and sends whole frames out of it.
 */
final class RawPort implements AutoCloseable {
    final String device;
    final int fd;

    RawPort(String device) throws IOException {
        this.device = device;
        int ifindex = Sys.ifIndex(device);
        fd = Sys.socket(Sys.AF_PACKET, Sys.SOCK_RAW, Sys.ETH_P_ALL_BE);
        try {
            Sys.setsockoptInt(fd, Sys.SOL_PACKET, Sys.PACKET_IGNORE_OUTGOING, 1);
            Sys.setsockoptInt(fd, Sys.SOL_SOCKET, Sys.SO_RCVBUFFORCE, 8 << 20);
            Sys.setsockoptInt(fd, Sys.SOL_SOCKET, Sys.SO_SNDBUFFORCE, 8 << 20);
            Sys.bindPacket(fd, ifindex, Sys.ETH_P_ALL_BE);
        } catch (IOException e) {
            Sys.close(fd);
            throw e;
        }
    }

    @Override
    public void close() {
        Sys.close(fd);
    }
}
