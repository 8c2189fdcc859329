/** Flyweight views and writers over {@code MemorySegment}s for Ethernet, ARP, IPv4/IPv6, ICMP and TCP. */
package dev.portcullis.wire;
