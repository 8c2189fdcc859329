package dev.portcullis.guard;

/** Plain counters, written on the shard's thread; copied by the publisher on that thread. */
public final class GuardCounters {
    /** Pure SYNs the guard looked at. */
    public long synsChecked;
    /** Of those: from the allow list (passed without a limit). */
    public long synsAllowListed;
    /** Dropped: the source is on the deny list. */
    public long synsDenied;
    /** Dropped: the source's own rate was over its limit. */
    public long synsRateLimited;
    /** Dropped: the source's /24 or /48 was over its limit. */
    public long synsPrefixRateLimited;

    public GuardCounters copyInto(GuardCounters o) {
        o.synsChecked = synsChecked;
        o.synsAllowListed = synsAllowListed;
        o.synsDenied = synsDenied;
        o.synsRateLimited = synsRateLimited;
        o.synsPrefixRateLimited = synsPrefixRateLimited;
        return o;
    }
}
