/**
 * The TCP engine: listeners, SYN cookies and SYN queue, accept queue, connection table, the RFC 9293 state machine,
 * timers, buffers, RTO (RFC 6298), loss recovery (RFC 6675 / RFC 6582) and CUBIC (RFC 9438).
 *
 * <p>Single-threaded and pure: time is passed in, nothing here reads a clock, starts a thread or opens a socket.
 * Only {@link dev.portcullis.tcp.TcpEngine}, its configuration, its callbacks and its counters are public.
 */
package dev.portcullis.tcp;
