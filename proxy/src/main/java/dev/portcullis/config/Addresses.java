package dev.portcullis.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Parsers for address literals that never touch DNS: they return null when the text is not what they want. */
final class Addresses {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    // RFC 1123 host names: labels of letters, digits and hyphens, not starting or ending with a hyphen.
    private static final Pattern HOSTNAME = Pattern.compile("(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}");

    private Addresses() {}

    /** An IPv4 dotted quad or an IPv6 literal (no brackets, no zone), or null. */
    static InetAddress ipLiteral(String s) {
        try {
            if (IPV4.matcher(s).matches()) return InetAddress.getByName(s);
            // A ':' makes InetAddress parse an IPv6 literal without any lookup.
            if (s.indexOf(':') >= 0 && IPV6_CHARS.matcher(s).matches()) {
                InetAddress a = InetAddress.getByName(s);
                return a;
            }
        } catch (UnknownHostException e) {
            return null;
        }
        return null;
    }

    static boolean isIpv6(InetAddress a) {
        return a instanceof Inet6Address;
    }

    /** "host:port", "a.b.c.d:port" or "[v6]:port" → the parts, or null when malformed (port 1..65535). */
    static HostPort hostPort(String s) {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') return null;
            host = s.substring(1, close);
            port = s.substring(close + 2);
            InetAddress a = ipLiteral(host);
            if (!(a instanceof Inet6Address)) return null;
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) return null;
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
            if (!IPV4.matcher(host).matches() && !HOSTNAME.matcher(host).matches()) return null;
            // all-digit-and-dot hosts that are not a valid dotted quad are typos, not names
            if (host.chars().allMatch(c -> c == '.' || Character.isDigit(c)) && !IPV4.matcher(host).matches()) return null;
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) return null;
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) return null;
        return new HostPort(host, p);
    }

    /** "aa:bb:cc:dd:ee:ff" (or with '-') → 48 bits in the low bits of a long, or -1. */
    static long mac(String s) {
        if (!MAC.matcher(s).matches()) return -1;
        long v = 0;
        for (int i = 0; i < 6; i++) v = (v << 8) | Integer.parseInt(s.substring(i * 3, i * 3 + 2), 16);
        return v;
    }
}
