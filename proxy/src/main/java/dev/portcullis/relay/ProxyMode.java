package dev.portcullis.relay;

/** Whether a listener's backends get a PROXY protocol header, and which version. */
public enum ProxyMode { NONE, V1, V2 }
