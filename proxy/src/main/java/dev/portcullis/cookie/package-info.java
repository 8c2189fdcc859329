/**
 * SYN cookies ({@link dev.portcullis.cookie.CookieCodec}, with {@link dev.portcullis.cookie.MssTable} and
 * {@link dev.portcullis.cookie.TsCookie} for what the cookie cannot hold) and RFC 6528 initial sequence numbers for
 * the stateful SYN queue ({@link dev.portcullis.cookie.IsnGenerator}). Keyed SipHash-2-4 over whole words: nothing
 * allocates per SYN or per ACK.
 */
package dev.portcullis.cookie;
