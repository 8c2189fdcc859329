/**
 * Packet I/O on Linux: the only package that calls native code ({@link dev.portcullis.io.Native}, through
 * {@code java.lang.foreign}; an ArchUnit test keeps it so).
 *
 * <ul>
 *   <li>{@link dev.portcullis.io.PacketSocket}: AF_PACKET, TPACKET_V3 RX ring with an explicit block timeout, a
 *       classic BPF filter (only the VIP's TCP, ARP, ND, ICMP errors), PACKET_FANOUT hash, a TX batch implementing
 *       the engine's {@code FrameSink} flushed with one sendmmsg(2), PACKET_STATISTICS.</li>
 *   <li>{@link dev.portcullis.io.Shard}: one socket and one engine on one Netty epoll event loop; the ring's fd is
 *       registered through Netty 4.2's {@code EpollIoHandle}, so the relay's backend channels share the thread.</li>
 *   <li>{@link dev.portcullis.io.VipGuard}: the nftables netdev ingress drop that hides the VIP's ports from the
 *       host kernel.</li>
 * </ul>
 *
 * <h2>Notes for operators</h2>
 * <ul>
 *   <li>Frames arrive after GRO: a NIC with GRO (or a local sender with TSO on veth) hands up to 64 KB frames to
 *       the ring, which is why blocks are at least 128 KiB. {@code ethtool -K DEV gro off} gives MTU-sized frames
 *       (and lower latency on a 1 ms block timer is then the only cost of V3, see below).</li>
 *   <li>Latency: TPACKET_V3 hands a block to user space when it is full or when its timer retires it. With the
 *       timer left at 0 the kernel picks 8 ms for links of unknown speed (veth); we set 1 ms, the smallest.
 *       Measured here, a lone SYN waits 0.6-1.0 ms (median) for the ring with 1 ms, 4-6 ms with 8 ms, and
 *       0.1 ms on a TPACKET_V2 ring. V2 hands each frame over at once but has fixed-size slots: to take 64 KB
 *       GRO/TSO frames every slot must be 64 KB, so a 16 MiB ring would hold 256 frames, which a SYN flood fills
 *       in milliseconds; V3 packs SYNs densely (thousands per block) and wakes once per block under load. V3
 *       stays the default; a V2 ring would only pay off with GRO off and 2 KB slots (not implemented).</li>
 *   <li>802.1Q: the device usually moves the tag to metadata (rx-vlan-offload; veth and software devices untag
 *       before the taps) and the ring reports it in tp_vlan_tci; a single tag kept inline is also let through by
 *       the socket filter and read by the parser. Replies carry the tag back. Q-in-Q (0x88a8) is not handled.</li>
 *   <li>TX frames go out through sendmmsg(2) with MSG_DONTWAIT: a full device queue drops and counts them (TCP
 *       retransmits). No PACKET_VNET_HDR: the engine sends frames no larger than the MTU with complete checksums.
 *       No TX ring: sendmmsg measured about 210k frames/s from one thread here (74-byte frames, 64 per call, into a
 *       veth, on a shared 2-core machine), above what the receive side reached; a TX ring was not measured.</li>
 * </ul>
 */
package dev.portcullis.io;
