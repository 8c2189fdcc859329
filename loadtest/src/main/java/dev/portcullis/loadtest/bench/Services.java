package dev.portcullis.loadtest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fixed parts of every run: nginx serving a small page, an iperf3 server and the exact-transfer server in the
 * backend namespace; HAProxy (mode tcp) on the host, started per setup so that each setup starts with an empty SYN
 * queue; and the readiness probe.
 */
final class Services {
    static final int HTTP = 80;
    static final int IPERF = 5201;
    static final int EXACT = 7001;

    private Services() {
    }

    static Bg nginx(Path dir) throws IOException {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log;
                daemon off;
                events { worker_connections 8192; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/nginx-body;
                  proxy_temp_path %1$s/nginx-proxy;
                  fastcgi_temp_path %1$s/nginx-fastcgi;
                  uwsgi_temp_path %1$s/nginx-uwsgi;
                  scgi_temp_path %1$s/nginx-scgi;
                  server {
                    listen %2$s:%3$d backlog=4096;
                    default_type text/html;
                    location / { return 200 "<html><body>portcullis bench backend</body></html>\\n"; }
                  }
                }
                """.formatted(dir, Topology.BE_IP, HTTP));
        return Bg.start("nginx", dir.resolve("nginx.log"),
                List.of("ip", "netns", "exec", Topology.BE, "nginx", "-c", conf.toString(), "-p", dir.toString()));
    }

    static Bg iperfServer(Path dir) throws IOException {
        return Bg.start("iperf3", dir.resolve("iperf3-server.log"), List.of("ip", "netns", "exec", Topology.BE,
                "iperf3", "-s", "-B", Topology.BE_IP, "-p", Integer.toString(IPERF)));
    }

    /** HAProxy in TCP mode on the host's own addresses (the plain and the impaired client side). */
    static Bg haproxy(Path dir) throws IOException {
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, """
                global
                  # 2 descriptors per connection under the 20000 open-files limit seen here
  maxconn 9000
                defaults
                  mode tcp
                  timeout connect 2s
                  timeout client 30s
                  timeout server 30s
                frontend web
                  bind %1$s:%3$d backlog 4096
                  bind %2$s:%3$d backlog 4096
                  default_backend web
                backend web
                  server be %4$s:%3$d
                frontend iperf
                  bind %1$s:%5$d
                  bind %2$s:%5$d
                  default_backend iperf
                backend iperf
                  server be %4$s:%5$d
                frontend exact
                  bind %1$s:%6$d
                  bind %2$s:%6$d
                  default_backend exact
                backend exact
                  server be %4$s:%6$d
                """.formatted(Topology.HOST_IP, Topology.HOST_I_IP, HTTP, Topology.BE_IP, IPERF, EXACT));
        return Bg.start("haproxy", dir.resolve("haproxy.log"),
                List.of("ip", "netns", "exec", Topology.HOST, "haproxy", "-db", "-f", conf.toString()));
    }

    /** Waits until a TCP connect from {@code ns} to ip:port succeeds; false after {@code timeoutS}. */
    static boolean probe(String ns, String ip, int port, double timeoutS) throws IOException {
        long end = System.nanoTime() + (long) (timeoutS * 1e9);
        while (System.nanoTime() - end < 0) {
            Sh.Out o = Sh.exec(Sh.withNs(ns, "timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + port), null, 3);
            if (o.code() == 0) return true;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
