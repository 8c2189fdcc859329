package dev.portcullis.wire;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** A tiny reader of classic pcap files (Ethernet link type), for tests: each frame as its own heap segment. */
final class Pcap {
    private Pcap() {
    }

    static List<MemorySegment> read(String resource) throws IOException {
        byte[] all;
        try (InputStream in = Pcap.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no resource " + resource);
            all = in.readAllBytes();
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1) b.order(ByteOrder.BIG_ENDIAN);
        else if (magic != 0xa1b2c3d4) throw new IOException("not a pcap file (magic " + Integer.toHexString(magic) + ")");
        if (b.getInt(20) != 1) throw new IOException("link type " + b.getInt(20) + " is not Ethernet");
        List<MemorySegment> frames = new ArrayList<>();
        int p = 24;
        while (p + 16 <= all.length) {
            int incl = b.getInt(p + 8);
            int orig = b.getInt(p + 12);
            if (incl != orig) throw new IOException("frame " + frames.size() + " was cut by the snap length");
            byte[] frame = new byte[incl];
            System.arraycopy(all, p + 16, frame, 0, incl);
            frames.add(MemorySegment.ofArray(frame));
            p += 16 + incl;
        }
        return frames;
    }
}
