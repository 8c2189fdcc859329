package dev.portcullis.loadtest.impair;

import dev.portcullis.io.Native;
import dev.portcullis.loadtest.net.PacketConst;

import java.io.IOException;
import java.lang.foreign.Arena;

/**
 * A plain AF_PACKET socket on one interface for the bridge: receives every frame arriving on it (not the ones
 * the bridge itself sends out of it: PACKET_IGNORE_OUTGOING) and sends whole frames out of it.
 */
final class RawPort implements AutoCloseable {
    final String device;
    final int fd;

    RawPort(String device) throws IOException {
        this.device = device;
        int ifindex = Native.ifNameToIndex(device);
        fd = Native.socket(Native.AF_PACKET, Native.SOCK_RAW | Native.SOCK_CLOEXEC, PacketConst.ETH_P_ALL_BE);
        try (Arena a = Arena.ofConfined()) {
            Native.setsockoptInt(fd, PacketConst.SOL_PACKET, PacketConst.PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            Native.setsockoptInt(fd, PacketConst.SOL_SOCKET, PacketConst.SO_RCVBUFFORCE, 8 << 20, "SO_RCVBUFFORCE");
            Native.setsockoptInt(fd, PacketConst.SOL_SOCKET, PacketConst.SO_SNDBUFFORCE, 8 << 20, "SO_SNDBUFFORCE");
            Native.bind(fd, PacketConst.sockaddrLl(a, ifindex, PacketConst.ETH_P_ALL_BE), device);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            Native.close(fd);
        } catch (IOException e) {
            // closing path
        }
    }
}
