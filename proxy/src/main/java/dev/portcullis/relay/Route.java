package dev.portcullis.relay;

/** Where the connections to one protected port go. */
public record Route(int port, BackendPool pool, ProxyMode proxyMode) {}
