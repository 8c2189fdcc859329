package dev.portcullis.config;

import dev.portcullis.guard.GuardConfig;

/** Settings → one shard's {@link GuardConfig}: the keys under portcullis.guard. */
public final class GuardSettings {
    private GuardSettings() {}

    /**
     * The configured rates are for the process; PACKET_FANOUT_HASH spreads one source's connections (different
     * ports, so different flow hashes) evenly over the shards, so each shard gets rate / shards, rounded up.
     */
    public static GuardConfig guardConfig(Settings s) {
        Settings.Guard g = s.guard();
        int n = s.shards();
        return new GuardConfig(share(g.sourceRate(), n), share(g.sourceBurst(), n), share(g.prefixRate(), n),
                share(g.prefixBurst(), n), g.allow(), g.deny(), g.sketchWidth(), g.sketchDepth(), g.heavyHitters());
    }

    static long share(long v, int shards) {
        return v == 0 ? 0 : Math.max(1, (v + shards - 1) / shards);
    }
}
