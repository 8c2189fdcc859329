package dev.portcullis.loadtest.flood;

import dev.portcullis.loadtest.Args;

/**
 * What to send: the mix (weights of SYN, ACK and RST), the SYN option profile ({@code mixed} picks Linux,
 * Windows or macOS per frame), the sources (random within a prefix, or one fixed address with random ports),
 * the target, and the bounds: a rate (0 = as fast as possible), a duration and a count, whichever ends first.
 */
public record FloodSpec(String device, long srcMac, long dstMac, int dstIp, int dstPort,
                        int srcBase, int srcMaskBits, boolean fixedSource,
                        int synWeight, int ackWeight, int rstWeight, OsProfile profile, boolean mixedProfiles,
                        long ratePps, double seconds, long count, long seed) {

    public FloodSpec {
        if (synWeight < 0 || ackWeight < 0 || rstWeight < 0 || synWeight + ackWeight + rstWeight == 0)
            throw new IllegalArgumentException("--mix: weights must be >= 0 and not all 0");
        if (seconds <= 0 || seconds > 3600) throw new IllegalArgumentException("--seconds must be in (0, 3600]");
        if (count <= 0) throw new IllegalArgumentException("--count must be > 0 (every flood is bounded)");
        if (srcMaskBits < 0 || srcMaskBits > 32) throw new IllegalArgumentException("--src: prefix length 0..32");
    }

    /**
     * {@code --dev IF --dst-mac M --dst IP --dport P [--src-mac M] [--src random:CIDR | fixed:IP]
     * [--mix syn=8,ack=1,rst=1] [--profile linux|windows|macos|bare|mixed] [--rate PPS] [--seconds S]
     * [--count N] [--seed N]}
     */
    public static FloodSpec parse(Args a) {
        String src = a.str("src", "random:100.64.0.0/10");
        int base;
        int bits;
        boolean fixed;
        if (src.startsWith("fixed:")) {
            base = FloodFrames.parseIp(src.substring(6));
            bits = 32;
            fixed = true;
        } else if (src.startsWith("random:")) {
            String cidr = src.substring(7);
            int slash = cidr.indexOf('/');
            base = FloodFrames.parseIp(slash < 0 ? cidr : cidr.substring(0, slash));
            bits = slash < 0 ? 0 : Integer.parseInt(cidr.substring(slash + 1));
            fixed = false;
        } else {
            throw new IllegalArgumentException("--src " + src + ": expected random:CIDR or fixed:IP");
        }
        int syn = 0, ack = 0, rst = 0;
        for (String part : a.str("mix", "syn=1").split(",")) {
            String[] kv = part.split("=");
            int w = kv.length > 1 ? Integer.parseInt(kv[1].trim()) : 1;
            switch (kv[0].trim().toLowerCase(java.util.Locale.ROOT)) {
                case "syn" -> syn = w;
                case "ack" -> ack = w;
                case "rst" -> rst = w;
                default -> throw new IllegalArgumentException("--mix: unknown kind " + kv[0]);
            }
        }
        String prof = a.str("profile", "linux");
        boolean mixed = prof.equalsIgnoreCase("mixed");
        double seconds = a.dbl("seconds", 3);
        long rate = a.num("rate", 0);
        long defCount = rate > 0 ? (long) Math.ceil(rate * seconds) : 50_000_000L;
        return new FloodSpec(a.required("dev"), FloodFrames.parseMac(a.str("src-mac", "02:00:00:00:00:01")),
                FloodFrames.parseMac(a.required("dst-mac")), FloodFrames.parseIp(a.required("dst")),
                (int) a.num("dport", 80), base, bits, fixed, syn, ack, rst,
                mixed ? OsProfile.LINUX : OsProfile.parse(prof), mixed, rate, seconds,
                a.num("count", defCount), a.num("seed", System.nanoTime()));
    }
}
