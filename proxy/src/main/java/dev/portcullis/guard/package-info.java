/**
 * SYN admission before a cookie is made, in fixed memory: CIDR allow and deny lists ({@link
 * dev.portcullis.guard.CidrTable}), per-source and per-prefix rate limits over a sliding window kept in count-min
 * sketches, and heavy-hitter summaries (Space-Saving) of the sources and prefixes that send the most SYNs. Pure:
 * no Netty, no FFM, no clock; the shard ({@code io.Shard}) calls {@link dev.portcullis.guard.SynGuard#onSyn} for
 * pure SYNs only.
 */
package dev.portcullis.guard;
