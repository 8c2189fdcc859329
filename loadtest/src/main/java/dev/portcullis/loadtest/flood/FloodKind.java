package dev.portcullis.loadtest.flood;

/** What a flood frame is. */
public enum FloodKind {
    /** SYN with a client's option set: every one costs the defender a SYN-ACK (or a queue slot). */
    SYN,
    /** Bare ACK with random sequence and acknowledgment numbers: costs a cookie check, must never open a connection. */
    ACK,
    /** RST with a random sequence number: must never tear anything down. */
    RST
}
