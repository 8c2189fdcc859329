package dev.portcullis.tcp;

import dev.portcullis.cookie.CookieCodec;
import dev.portcullis.cookie.IsnGenerator;
import dev.portcullis.wire.Checksum;
import dev.portcullis.wire.FrameParser;
import dev.portcullis.wire.OutSegment;
import dev.portcullis.wire.ParseVerdict;
import dev.portcullis.wire.ParsedFrame;
import dev.portcullis.wire.TcpFlags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs one packetdrill-like script against a {@link TcpEngine} on a virtual clock. One line per step:
 * <pre>
 *   // comment          %directive args          TIME [@client] &lt; FLAGS seq:end(len) [ack N] [win N] [&lt;options&gt;]
 *   TIME [@client] &gt; FLAGS ...   (expected output, exactly; * is a wildcard for any number)
 *   TIME [@client] accept | accept none | read N | read eof | read none | write N [-&gt; M] | shutdown | close | abort
 *   TIME [@client] expect closed REASON | expect state STATE | expect counter name=value,...
 *   TIME [@client] &lt; icmp frag-needed mtu N seq S
 * </pre>
 * TIME is absolute seconds ({@code 0.100}) or relative ({@code +0.04}, {@code +40ms}, {@code +2s}); timers fire as
 * the clock moves. Inbound seq is relative to the client's ISN and ack to ours (learned from our first SYN-ACK);
 * outbound the other way round. TS {@code ecr ^} echoes the last TSval we sent. Payload bytes follow a fixed
 * pattern per direction and are checked on both sides. Options are compared without NOPs in the order
 * mss, sackOK, TS, wscale, sack.
 */
final class PktScript {
    static final long WALL0 = 1_700_000_000L;
    private static final long WILD = Long.MIN_VALUE;

    private final String name;
    private final List<String> lines;
    private final EngineConfig.Builder cfg = EngineConfig.builder()
            .localMac(Seg.LOCAL_MAC).vipV4(Seg.VIP_V4).vip(Seg.VIP_V6_HI, Seg.VIP_V6_LO).hashSeed(42);
    private int backlog = 16;
    private int port = 80;
    private boolean v6;
    private int vlan = -1;
    private long toleranceNs = 5_000_000L;
    private int mtu = 1500;

    private TcpEngine engine;
    private TestSink sink;
    private RecordingEvents events;
    private final Seg seg = new Seg();
    private final ParsedFrame outParsed = new ParsedFrame();
    private final MemorySegment io = Arena.ofAuto().allocate(1 << 20);
    private long nowNs;
    private int outIndex;
    private final Client[] clients = new Client[8];
    private int lineNo;
    private String lineText;

    static final class Client {
        int port, isn;
        long serverIsn = WILD;
        int lastTsVal;
        long id = -1;
        long readPos, writePos;
    }

    PktScript(String name, List<String> lines) {
        this.name = name;
        this.lines = lines;
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client();
            clients[i].port = 40000 + i;
            clients[i].isn = 1_000_000 + i * 100_000;
        }
    }

    static byte clientByte(int client, long pos) { return (byte) (pos * 7 + 3 + client * 11); }
    static byte serverByte(int client, long pos) { return (byte) (pos * 13 + 5 + client * 17); }

    long wall() { return WALL0 + nowNs / 1_000_000_000L; }

    // ------------------------------------------------------------------ running

    void run() {
        boolean sawHeader = false;
        for (int i = 0; i < lines.size(); i++) {
            lineNo = i + 1;
            lineText = lines.get(i);
            String t = lineText.strip();
            if (t.isEmpty()) continue;
            if (t.startsWith("//")) {
                if (!sawHeader && engine == null && t.contains("RFC")) sawHeader = true;
                continue;
            }
            if (!sawHeader) fail("script must start with a comment naming its RFC section");
            if (t.startsWith("%")) {
                directive(t.substring(1).strip());
                continue;
            }
            if (engine == null) start();
            step(t);
        }
        if (engine == null) start();
        if (outIndex < sink.count()) {
            lineNo = lines.size();
            lineText = "<end of script>";
            fail("unexpected output: " + render(outIndex));
        }
    }

    private void start() {
        cfg.listen(port, backlog).mtu(mtu);
        events = new RecordingEvents();
        sink = new TestSink(1 << 24, 1 << 16);
        byte[] secret = "portcullis-test-secret-0123456789".getBytes();
        engine = new TcpEngine(cfg.build(), new CookieCodec(secret), new IsnGenerator(secret), sink, events);
    }

    private void directive(String d) {
        if (engine != null) fail("directives go before the first step");
        String[] w = d.split("\\s+");
        switch (w[0]) {
            case "ipv6" -> v6 = true;
            case "vlan" -> vlan = Integer.parseInt(w[1]);
            case "tolerance" -> toleranceNs = parseDurationNs(w[1]);
            case "client" -> { // %client N isn X
                Client c = clients[Integer.parseInt(w[1])];
                for (int k = 2; k + 1 < w.length; k += 2) {
                    if (w[k].equals("isn")) c.isn = (int) Long.parseLong(w[k + 1]);
                    else if (w[k].equals("port")) c.port = Integer.parseInt(w[k + 1]);
                }
            }
            case "config" -> {
                for (int k = 1; k < w.length; k++) {
                    String[] kv = w[k].split("=", 2);
                    config(kv[0], kv[1]);
                }
            }
            default -> fail("unknown directive " + w[0]);
        }
    }

    private void config(String k, String v) {
        switch (k) {
            case "cookies" -> cfg.cookieMode(v.equals("always") ? EngineConfig.CookieMode.ALWAYS
                    : EngineConfig.CookieMode.ON_OVERFLOW);
            case "backlog" -> backlog = Integer.parseInt(v);
            case "port" -> port = Integer.parseInt(v);
            case "synq" -> cfg.synQueueSize(Integer.parseInt(v));
            case "synack-retries" -> cfg.synackRetries(Integer.parseInt(v));
            case "rcvbuf" -> cfg.receiveBufferBytes(Integer.parseInt(v));
            case "sndbuf" -> cfg.sendBufferBytes(Integer.parseInt(v));
            case "mtu" -> mtu = Integer.parseInt(v);
            case "ts" -> cfg.timestamps(Boolean.parseBoolean(v));
            case "sack" -> cfg.sack(Boolean.parseBoolean(v));
            case "wscale" -> cfg.windowScaling(Boolean.parseBoolean(v));
            case "rst-rate" -> cfg.rstPerSecond(Integer.parseInt(v));
            case "challenge" -> {
                String[] p = v.split(",");
                cfg.challengeAcks(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
            }
            case "idle" -> cfg.idleTimeoutNs(parseDurationNs(v));
            case "zero-window" -> cfg.zeroWindowTimeoutNs(parseDurationNs(v));
            case "msl" -> cfg.mslNs(parseDurationNs(v));
            case "delack" -> cfg.delayedAckNs(parseDurationNs(v));
            case "memory" -> cfg.memoryBudgetBytes(Long.parseLong(v));
            case "chunk" -> cfg.chunkBytes(Integer.parseInt(v));
            case "max-conns" -> cfg.maxConnections(Integer.parseInt(v));
            case "tw-max" -> cfg.timeWaitCapacity(Integer.parseInt(v));
            case "abort-on-overflow" -> cfg.abortOnOverflow(Boolean.parseBoolean(v));
            case "ooo" -> cfg.oooMaxRanges(Integer.parseInt(v));
            case "min-rto" -> cfg.minRtoNs(parseDurationNs(v));
            case "init-rto" -> cfg.initialRtoNs(parseDurationNs(v));
            case "fin-timeout" -> cfg.finWait2TimeoutNs(parseDurationNs(v));
            case "max-retrans" -> cfg.maxRetransmits(Integer.parseInt(v));
            case "iw" -> cfg.initialCwndSegments(Integer.parseInt(v));
            default -> fail("unknown config key " + k);
        }
    }

    static long parseDurationNs(String v) {
        if (v.endsWith("ms")) return (long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1e6);
        if (v.endsWith("us")) return (long) (Double.parseDouble(v.substring(0, v.length() - 2)) * 1e3);
        if (v.endsWith("s")) return (long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1e9);
        return (long) (Double.parseDouble(v) * 1e9);
    }

    private void step(String t) {
        String[] w = t.split("\\s+", 2);
        long target = w[0].startsWith("+") ? nowNs + parseDurationNs(w[0].substring(1)) : parseDurationNs(w[0]);
        if (target < nowNs) fail("time goes backwards");
        String rest = w.length > 1 ? w[1].strip() : "";
        int ci = 0;
        if (rest.startsWith("@")) {
            String[] p = rest.split("\\s+", 2);
            ci = Integer.parseInt(p[0].substring(1));
            rest = p.length > 1 ? p[1] : "";
        }
        advance(target);
        if (rest.startsWith(">")) {
            expectOut(ci, rest.substring(1).strip());
            return;
        }
        if (outIndex < sink.count()) fail("unexpected output: " + render(outIndex));
        if (rest.startsWith("<")) {
            String r = rest.substring(1).strip();
            if (r.startsWith("icmp")) icmp(ci, r);
            else inbound(ci, r);
        } else {
            action(ci, rest);
        }
    }

    private void advance(long target) {
        for (int guard = 0; guard < 1_000_000; guard++) {
            long d = engine.nextDeadlineNs();
            if (d > target) break;
            if (d > nowNs) nowNs = d;
            sink.clock = nowNs;
            engine.onTimer(nowNs, wall());
        }
        nowNs = target;
        sink.clock = nowNs;
        engine.onTimer(nowNs, wall()); // as the shard does every loop: the relay's calls then see this time
    }

    // ------------------------------------------------------------------ segments

    /** A parsed segment line. */
    static final class Spec {
        int flags;
        long seq = WILD, end = WILD, len = WILD, ack = WILD, win = WILD;
        long mss = -1, wscale = -1, tsVal = -1, tsEcr = -1;
        int port = -1; // dport (inbound) / sport (outbound): another local port than the listener's
        boolean ce, ect0; // inbound: mark Congestion Experienced; outbound: expect ECT(0)
        boolean hasTs, sackOk, fastOpen, ecrEcho;
        List<long[]> sack = new ArrayList<>();
    }

    static long num(String s) {
        return s.equals("*") ? WILD : Long.parseLong(s);
    }

    private Spec parseSpec(String s) {
        Spec p = new Spec();
        String opts = null;
        int lt = s.indexOf('<');
        if (lt >= 0) {
            int gt = s.lastIndexOf('>');
            if (gt < lt) fail("unclosed options");
            opts = s.substring(lt + 1, gt);
            s = (s.substring(0, lt) + " " + s.substring(gt + 1)).strip();
        }
        String[] w = s.split("\\s+");
        p.flags = parseFlags(w[0]);
        int k = 1;
        if (k < w.length && w[k].contains(":")) {
            String sq = w[k++];
            int colon = sq.indexOf(':'), paren = sq.indexOf('(');
            p.seq = num(sq.substring(0, colon));
            p.end = num(sq.substring(colon + 1, paren));
            p.len = num(sq.substring(paren + 1, sq.indexOf(')')));
        }
        for (; k < w.length; k++) {
            switch (w[k]) {
                case "ack" -> p.ack = num(w[++k]);
                case "win" -> p.win = num(w[++k]);
                case "dport", "sport" -> p.port = Integer.parseInt(w[++k]);
                case "ce" -> p.ce = true;
                case "ect0" -> p.ect0 = true;
                default -> fail("unknown token " + w[k]);
            }
        }
        if (opts != null) {
            for (String o : opts.split(",")) {
                String[] x = o.strip().split("\\s+");
                switch (x[0]) {
                    case "nop", "eol", "" -> { }
                    case "mss" -> p.mss = num(x[1]);
                    case "wscale" -> p.wscale = num(x[1]);
                    case "sackOK" -> p.sackOk = true;
                    case "FO" -> p.fastOpen = true;
                    case "TS" -> {
                        p.hasTs = true;
                        p.tsVal = num(x[2]);
                        if (x[4].equals("^")) p.ecrEcho = true;
                        else p.tsEcr = num(x[4]);
                    }
                    case "sack" -> {
                        for (int j = 1; j < x.length; j++) {
                            String[] lr = x[j].split(":");
                            p.sack.add(new long[] {num(lr[0]), num(lr[1])});
                        }
                    }
                    default -> fail("unknown option " + x[0]);
                }
            }
        }
        return p;
    }

    private int parseFlags(String f) {
        int b = 0;
        for (char ch : f.toCharArray()) {
            b |= switch (ch) {
                case 'S' -> TcpFlags.SYN;
                case 'F' -> TcpFlags.FIN;
                case 'R' -> TcpFlags.RST;
                case 'P' -> TcpFlags.PSH;
                case '.' -> TcpFlags.ACK;
                case 'U' -> TcpFlags.URG;
                case 'E' -> TcpFlags.ECE;
                case 'W' -> TcpFlags.CWR;
                default -> {
                    fail("bad flag " + ch);
                    yield 0;
                }
            };
        }
        return b;
    }

    static String flagString(int b) {
        StringBuilder s = new StringBuilder();
        if ((b & TcpFlags.FIN) != 0) s.append('F');
        if ((b & TcpFlags.SYN) != 0) s.append('S');
        if ((b & TcpFlags.RST) != 0) s.append('R');
        if ((b & TcpFlags.PSH) != 0) s.append('P');
        if ((b & TcpFlags.URG) != 0) s.append('U');
        if ((b & TcpFlags.ECE) != 0) s.append('E');
        if ((b & TcpFlags.CWR) != 0) s.append('W');
        if ((b & TcpFlags.ACK) != 0) s.append('.');
        return s.toString();
    }

    private void inbound(int ci, String text) {
        Spec p = parseSpec(text);
        Client c = clients[ci];
        OutSegment o = seg.start(v6, c.port, p.port > 0 ? p.port : port);
        o.vlanTci = vlan;
        o.flags = p.flags;
        long seq = p.seq == WILD ? 0 : p.seq;
        o.seq = c.isn + (int) seq;
        if (p.ack != WILD) {
            // before our first SYN-ACK the ack is absolute
            o.ack = (int) (c.serverIsn == WILD ? 0 : c.serverIsn) + (int) p.ack;
        }
        o.window = p.win == WILD ? 65535 : (int) p.win;
        if (p.ce) o.trafficClass = 3;
        if (p.mss >= 0) o.mss = (int) p.mss;
        if (p.wscale >= 0) o.windowScale = (int) p.wscale;
        o.sackPermitted = p.sackOk;
        if (p.hasTs) {
            o.hasTimestamp = true;
            o.tsVal = (int) p.tsVal;
            o.tsEcr = p.ecrEcho ? c.lastTsVal : (int) p.tsEcr;
        }
        o.sackBlockCount = p.sack.size();
        for (int i = 0; i < p.sack.size(); i++) {
            o.sackLeft[i] = (int) c.serverIsn + (int) p.sack.get(i)[0];
            o.sackRight[i] = (int) c.serverIsn + (int) p.sack.get(i)[1];
        }
        int len = p.len == WILD ? 0 : (int) p.len;
        if (len > 0) {
            MemorySegment payload = Arena.ofAuto().allocate(len);
            long base = seq + ((p.flags & TcpFlags.SYN) != 0 ? 1 : 0) - 1;
            for (int i = 0; i < len; i++) payload.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, clientByte(ci, base + i));
            o.payload1 = payload;
            o.payload1Offset = 0;
            o.payload1Length = len;
        }
        ParsedFrame f = seg.build();
        if (p.fastOpen) f.fastOpen = true;
        engine.onFrame(f, nowNs, wall());
    }

    private void icmp(int ci, String text) {
        // icmp frag-needed mtu N seq S
        String[] w = text.split("\\s+");
        long mtuV = 0, seqV = 0;
        for (int k = 2; k + 1 < w.length; k += 2) {
            if (w[k].equals("mtu")) mtuV = Long.parseLong(w[k + 1]);
            if (w[k].equals("seq")) seqV = Long.parseLong(w[k + 1]);
        }
        Client c = clients[ci];
        ParsedFrame f = new ParsedFrame();
        f.kind = v6 ? ParsedFrame.KIND_ICMP6 : ParsedFrame.KIND_ICMP4;
        f.ipVersion = v6 ? 6 : 4;
        f.icmpType = v6 ? 2 : 3;
        f.icmpCode = v6 ? 0 : 4;
        f.icmpMtu = (int) mtuV;
        f.icmpHasInner = true;
        OutSegment o = seg.start(v6, c.port, port);
        f.innerSrcHi = o.dstHi; f.innerSrcLo = o.dstLo; f.innerDstHi = o.srcHi; f.innerDstLo = o.srcLo;
        f.innerSrcPort = port;
        f.innerDstPort = c.port;
        f.innerSeq = (int) c.serverIsn + (int) seqV;
        f.srcMac = Seg.CLIENT_MAC;
        engine.onFrame(f, nowNs, wall());
    }

    private void expectOut(int ci, String text) {
        Spec p = parseSpec(text);
        if (outIndex >= sink.count()) fail("expected " + text + " but nothing was sent");
        int idx = outIndex++;
        MemorySegment frame = sink.frame(idx);
        int v = FrameParser.parse(frame, 0, (int) frame.byteSize(), outParsed);
        if (v != ParseVerdict.OK) fail("engine sent an unparseable frame: " + ParseVerdict.name(v));
        ParsedFrame f = outParsed;
        if (!Checksum.verifyL4(f)) fail("bad TCP checksum in " + render(idx));
        if (frame.byteSize() > mtu + 14 + (vlan >= 0 ? 4 : 0)) fail("frame above the MTU: " + frame.byteSize());
        if (f.vlanTci != vlan) fail("vlan " + f.vlanTci + " expected " + vlan);
        if (f.srcMac != Seg.LOCAL_MAC || f.dstMac != Seg.CLIENT_MAC) fail("MACs of " + render(idx));
        Client c = clients[ci];
        if (f.dstPort != c.port || f.srcPort != (p.port > 0 ? p.port : port))
            fail("ports of " + render(idx) + " expected client @" + ci);
        if ((p.flags & TcpFlags.SYN) != 0 && p.seq == 0) c.serverIsn = f.seq & 0xffffffffL;
        if (f.hasTimestamp) c.lastTsVal = f.tsVal;
        long relSeq = c.serverIsn == WILD ? f.seq : f.seq - (int) c.serverIsn;
        long relAck = f.ack - c.isn;
        StringBuilder why = new StringBuilder();
        if (f.flags != p.flags) why.append(" flags");
        if (p.seq != WILD && (int) relSeq != (int) p.seq) why.append(" seq");
        if (p.len != WILD && f.payloadLength != p.len) why.append(" len");
        if (p.end != WILD && (int) (relSeq + f.payloadLength) != (int) p.end) why.append(" end");
        if ((p.flags & TcpFlags.ACK) != 0 && p.ack != WILD && (int) relAck != (int) p.ack) why.append(" ack");
        if (p.win != WILD && f.window != p.win) why.append(" win");
        if (p.ect0 != ((f.trafficClass & 3) == 2)) why.append(" ECN-codepoint");
        if (p.mss != f.mss && !(p.mss == WILD && f.mss >= 0)) why.append(" mss");
        if (p.wscale != f.windowScale && !(p.wscale == WILD && f.windowScale >= 0)) why.append(" wscale");
        if (p.sackOk != f.sackPermitted) why.append(" sackOK");
        if (p.hasTs != f.hasTimestamp) why.append(" TS");
        if (p.hasTs && f.hasTimestamp) {
            if (p.tsVal != WILD && p.tsVal != (f.tsVal & 0xffffffffL)) why.append(" TSval");
            if (p.tsEcr != WILD && p.tsEcr != (f.tsEcr & 0xffffffffL)) why.append(" TSecr");
        }
        if (p.sack.size() != f.sackBlockCount) why.append(" sack-count");
        else for (int i = 0; i < p.sack.size(); i++) {
            long[] b = p.sack.get(i);
            if (b[0] != WILD && f.sackLeft[i] - c.isn != (int) b[0]) why.append(" sack-left");
            if (b[1] != WILD && f.sackRight[i] - c.isn != (int) b[1]) why.append(" sack-right");
        }
        for (int i = 0; i < f.payloadLength; i++) {
            byte got = frame.get(java.lang.foreign.ValueLayout.JAVA_BYTE, f.payloadOffset + i);
            if (got != serverByte(ci, relSeq - 1 + i)) {
                why.append(" payload@").append(i);
                break;
            }
        }
        long dt = Math.abs(sink.time(idx) - nowNs);
        if (dt > toleranceNs) why.append(" time(sent at ").append(fmtTime(sink.time(idx))).append(')');
        if (!why.isEmpty()) fail("mismatch:" + why + "\n  expected: > " + text + "\n  actual:   " + render(idx));
    }

    private String render(int idx) {
        MemorySegment frame = sink.frame(idx);
        ParsedFrame f = new ParsedFrame();
        FrameParser.parse(frame, 0, (int) frame.byteSize(), f);
        int ci = -1;
        for (int i = 0; i < clients.length; i++) if (clients[i].port == f.dstPort) ci = i;
        Client c = ci >= 0 ? clients[ci] : new Client();
        long base = c.serverIsn == WILD ? 0 : c.serverIsn;
        int rs = f.seq - (int) base;
        StringBuilder b = new StringBuilder();
        b.append(fmtTime(sink.time(idx))).append(ci > 0 ? " @" + ci : "").append(" > ").append(flagString(f.flags))
                .append(' ').append(Integer.toUnsignedString(rs)).append(':')
                .append(Integer.toUnsignedString(rs + f.payloadLength)).append('(').append(f.payloadLength).append(')');
        if ((f.flags & TcpFlags.ACK) != 0) b.append(" ack ").append(Integer.toUnsignedString(f.ack - c.isn));
        b.append(" win ").append(f.window);
        List<String> o = new ArrayList<>();
        if (f.mss >= 0) o.add("mss " + f.mss);
        if (f.sackPermitted) o.add("sackOK");
        if (f.hasTimestamp) o.add("TS val " + Integer.toUnsignedString(f.tsVal) + " ecr " + Integer.toUnsignedString(f.tsEcr));
        if (f.windowScale >= 0) o.add("wscale " + f.windowScale);
        if (f.sackBlockCount > 0) {
            StringBuilder s = new StringBuilder("sack");
            for (int i = 0; i < f.sackBlockCount; i++)
                s.append(' ').append(f.sackLeft[i] - c.isn).append(':').append(f.sackRight[i] - c.isn);
            o.add(s.toString());
        }
        if (!o.isEmpty()) b.append(" <").append(String.join(",", o)).append('>');
        if ((f.trafficClass & 3) == 2) b.append(" ect0");
        if ((f.trafficClass & 3) == 3) b.append(" ce");
        return b.toString();
    }

    private static String fmtTime(long ns) {
        return String.format(Locale.ROOT, "%.3f", ns / 1e9);
    }

    // ------------------------------------------------------------------ relay actions

    private void action(int ci, String text) {
        String[] w = text.split("\\s+");
        Client c = clients[ci];
        switch (w[0]) {
            case "accept" -> {
                long id = engine.accept();
                if (w.length > 1 && w[1].equals("none")) {
                    if (id >= 0) fail("accept returned " + id + ", expected none");
                    return;
                }
                if (id < 0) fail("accept returned nothing");
                ConnectionInfo info = engine.info(id, null);
                if (info.remotePort != c.port) fail("accepted port " + info.remotePort + ", expected @" + ci);
                c.id = id;
                c.readPos = c.writePos = 0;
            }
            case "read" -> {
                int want = w[1].equals("eof") ? -1 : w[1].equals("none") ? 0 : Integer.parseInt(w[1]);
                int ask = want > 0 ? want : 65536;
                int n = engine.read(c.id, io, 0, ask);
                if (n != want) fail("read returned " + n + ", expected " + want);
                for (int i = 0; i < n; i++) {
                    if (io.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != clientByte(ci, c.readPos + i))
                        fail("read byte " + (c.readPos + i) + " differs");
                }
                if (n > 0) c.readPos += n;
            }
            case "write" -> {
                int n = Integer.parseInt(w[1]);
                int expect = w.length > 3 && w[2].equals("->") ? Integer.parseInt(w[3]) : n;
                for (int i = 0; i < n; i++) io.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, serverByte(ci, c.writePos + i));
                int got = engine.write(c.id, io, 0, n);
                if (got != expect) fail("write took " + got + ", expected " + expect);
                if (got > 0) c.writePos += got;
            }
            case "shutdown" -> engine.shutdownOutput(c.id);
            case "close" -> engine.close(c.id);
            case "abort" -> engine.abort(c.id);
            case "expect" -> expect(c, w);
            default -> fail("unknown action " + w[0]);
        }
    }

    private void expect(Client c, String[] w) {
        switch (w[1]) {
            case "closed" -> {
                int r = events.takeClosed(c.id);
                if (r < 0) fail("connection not closed; events " + events.log);
                if (!CloseReason.name(r).equals(w[2])) fail("closed " + CloseReason.name(r) + ", expected " + w[2]);
            }
            case "writable" -> {
                if (!events.log.remove("writable " + c.id)) fail("no onWritable; events " + events.log);
            }
            case "state" -> {
                ConnectionInfo i = engine.info(c.id, null);
                String s = i == null ? "gone" : TcpState.name(i.state);
                if (!s.equals(w[2])) fail("state " + s + ", expected " + w[2]);
            }
            case "counter" -> {
                EngineCounters k = engine.counters();
                for (int j = 2; j < w.length; j++) {
                    for (String kv : w[j].split(",")) {
                        String[] p = kv.split("=");
                        long got;
                        try {
                            got = EngineCounters.class.getField(p[0]).getLong(k);
                        } catch (ReflectiveOperationException e) {
                            fail("no counter " + p[0]);
                            return;
                        }
                        if (got != Long.parseLong(p[1])) fail("counter " + p[0] + " = " + got + ", expected " + p[1]);
                    }
                }
            }
            default -> fail("unknown expectation " + w[1]);
        }
    }

    private void fail(String msg) {
        StringBuilder pending = new StringBuilder();
        for (int i = outIndex; sink != null && i < sink.count(); i++) pending.append("\n  also sent: ").append(render(i));
        throw new AssertionError(name + ":" + lineNo + ": " + msg + pending + "\n  line: " + lineText
                + (engine != null ? "\n  counters:\n" + engine.counters().toString().indent(4) : ""));
    }
}
