package dev.portcullis.tcp;

/** A reusable view of one connection, filled by {@link TcpEngine#info}. Addresses as 128 bits (IPv4-mapped). */
public final class ConnectionInfo {
    public long id;
    public long remoteHi, remoteLo, localHi, localLo;
    public int remotePort, localPort;
    public boolean ipv6;
    public int state;              // TcpState
    public int sendMss;            // payload bytes per segment we send
    public int peerWindowScale, ourWindowScale; // -1: not negotiated
    public boolean sack, timestamps;
    public long srttNs, rttVarNs, rtoNs;
    public long cwndBytes, ssthreshBytes;
    public long bytesUnread, bytesUnsent, bytesInFlight;
    public long retransmits;

    @Override
    public String toString() {
        return "conn " + Long.toHexString(id) + " " + TcpState.name(state) + " port " + remotePort + "->" + localPort
                + " mss " + sendMss + " srtt " + srttNs / 1000 + "us cwnd " + cwndBytes;
    }
}
