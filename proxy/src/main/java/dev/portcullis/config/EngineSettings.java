package dev.portcullis.config;

import dev.portcullis.tcp.EngineConfig;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Settings → the engine's {@link EngineConfig}: the keys under portcullis.tcp, cookies, vips and listeners. */
public final class EngineSettings {
    private EngineSettings() {}

    /**
     * @param localMac the interface's MAC (the source of every frame the engine sends)
     * @param mtu      the interface's MTU (segments are sized to it)
     */
    public static EngineConfig engineConfig(Settings s, long localMac, int mtu) {
        EngineConfig.Builder b = EngineConfig.builder()
                .localMac(localMac)
                .gatewayMac(s.gatewayMac())
                .mtu(mtu)
                .cookieMode(s.cookies().mode() == Settings.CookieMode.ALWAYS ? EngineConfig.CookieMode.ALWAYS : EngineConfig.CookieMode.ON_OVERFLOW)
                .synQueueSize(s.cookies().synQueueSize())
                .synackRetries(s.cookies().synackRetries())
                .mslNs(s.tcp().msl().toNanos())
                .delayedAckNs(s.tcp().delayedAck().toNanos())
                .receiveBufferBytes(s.tcp().receiveBuffer())
                .sendBufferBytes(s.tcp().sendBuffer())
                .memoryBudgetBytes(s.tcp().memoryBudget())
                .maxConnections(s.tcp().maxConnections())
                .idleTimeoutNs(s.tcp().idleTimeout().toNanos())
                .zeroWindowTimeoutNs(s.tcp().zeroWindowTimeout().toNanos())
                .rstPerSecond(s.tcp().rstRate())
                .challengeAcks(s.tcp().challengeAckLimit(), s.tcp().challengeAckGlobalLimit())
                .bbr(s.tcp().bbr())
                // the sink says whether it can offload at all (PACKET_VNET_HDR may be refused): this is the cap
                .gsoMaxBytes(s.ring().offloads() ? s.ring().gsoMaxBytes() : 0);
        for (InetAddress vip : s.vips()) {
            ByteBuffer a = ByteBuffer.wrap(vip.getAddress());
            if (vip instanceof Inet4Address) b.vipV4(a.getInt());
            else b.vip(a.getLong(), a.getLong());
        }
        for (Settings.Listener l : s.listeners()) b.listen(l.port(), l.backlog());
        return b.build();
    }
}
