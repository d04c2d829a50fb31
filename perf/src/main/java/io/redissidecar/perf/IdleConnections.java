package io.redissidecar.perf;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Holds many mostly idle client connections open: each sends one {@code PING} and reads {@code +PONG}, then stays
 * open and silent. Prints {@code ready} once all are answered, and holds them until it is stopped or
 * {@code SECONDS} pass. Plain blocking sockets, no thread per connection.
 *
 * <pre>java -cp perf/target/benchmarks.jar io.redissidecar.perf.IdleConnections PORT CONNECTIONS [SECONDS]</pre>
 * Connects to 127.0.0.1 only.
 */
public final class IdleConnections {
    private static final byte[] PING = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);

    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        long seconds = args.length > 2 ? Long.parseLong(args[2]) : 600;
        List<Socket> sockets = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Socket s = new Socket("127.0.0.1", port);
            s.getOutputStream().write(PING);
            sockets.add(s);
        }
        for (Socket s : sockets) {
            InputStream in = s.getInputStream();
            byte[] got = in.readNBytes(PONG.length);
            if (!Arrays.equals(got, PONG)) {
                throw new IllegalStateException("expected +PONG, got " + new String(got, StandardCharsets.US_ASCII));
            }
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(seconds * 1000);
        for (Socket s : sockets) {
            s.close();
        }
    }
}
