package dev.portcullis.config;

import java.net.InetSocketAddress;

/** A backend address as configured: a literal or a host name (resolved at connect time) and a port. */
public record HostPort(String host, int port) {
    /** Unresolved, so that a name is looked up again at each connect. */
    public InetSocketAddress toSocketAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
