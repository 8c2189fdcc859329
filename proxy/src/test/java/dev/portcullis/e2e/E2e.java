package dev.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

/** What every E2E class does at its end. */
final class E2e {
    private E2e() {}

    /**
     * Stops Portcullis with SIGTERM and checks that it exits (status 143, or 0), says it stopped and removed its
     * nft table; then tears the network down (also when a check fails).
     */
    static void stopAndClose(Rig rig) throws Exception {
        try {
            if (rig.portcullis != null && rig.portcullis.process.isAlive()) {
                long t0 = System.nanoTime();
                int exit = rig.portcullis.stop();
                String log = rig.portcullis.logText();
                System.out.printf("portcullis exited with %d %d ms after SIGTERM%n", exit, (System.nanoTime() - t0) / 1_000_000);
                assertThat(exit).as("exit status after SIGTERM; log:\n%s", log).isIn(0, ProxyProcess.SIGTERM_EXIT);
                assertThat(log).as("log").contains("stopped");
                assertThat(rig.portcullis.nftTables()).as("nft tables left in the proxy namespace").isEmpty();
            }
        } finally {
            rig.close();
        }
    }
}
