package dev.portcullis.guard;

/** 128-bit address → 64-bit hash, keyed so that a flood cannot aim its spoofed sources at one sketch cell. */
final class Hashing {
    private Hashing() {}

    /** MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    static long hash(long hi, long lo, long seed0, long seed1) {
        return fmix64(lo ^ seed1 ^ fmix64(hi ^ seed0));
    }
}
