package dev.portcullis.tcp;

import java.util.ArrayList;
import java.util.List;

/** {@link ConnectionEvents} that remembers what happened, as strings, for tests to check. */
final class RecordingEvents implements ConnectionEvents {
    final List<String> log = new ArrayList<>();
    final List<long[]> closed = new ArrayList<>(); // {id, reason}
    int acceptable;
    boolean quiet; // do not log (allocation tests, long simulations)

    @Override public void onAcceptable() { acceptable++; if (!quiet) log.add("acceptable"); }
    @Override public void onReadable(long id) { if (!quiet) log.add("readable " + id); }
    @Override public void onWritable(long id) { if (!quiet) log.add("writable " + id); }
    @Override public void onPeerFin(long id) { if (!quiet) log.add("fin " + id); }
    @Override public void onClosed(long id, int reason) {
        closed.add(new long[] {id, reason});
        if (!quiet) log.add("closed " + id + " " + CloseReason.name(reason));
    }

    /** The close reason for {@code id}, or -1 when it was not closed; consumes the record. */
    int takeClosed(long id) {
        for (int i = 0; i < closed.size(); i++) {
            if (closed.get(i)[0] == id) return (int) closed.remove(i)[1];
        }
        return -1;
    }
}
