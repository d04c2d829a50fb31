package io.redissidecar.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.redissidecar.config.HostPort;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on 127.0.0.1 and a free port, for integration tests. Stopped by PID:
 * {@link #stop()} sends SIGTERM, {@link #kill9()} SIGKILL. Later fixtures (Sentinel groups, clusters) build on it.
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;
    /** TLS-only servers: how to reach them; null for plain ones. */
    private final TestCerts.Access tls;

    private RedisServer(Process process, int port, Path dir, TestCerts.Access tls) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.tls = tls;
    }

    /** Starts {@code redis-server} with no persistence plus {@code extraArgs} and waits until it answers PING. */
    public static RedisServer start(String... extraArgs) throws IOException {
        return startOn(freePort(), extraArgs);
    }

    public static RedisServer startOn(int port, String... extraArgs) throws IOException {
        return startOn(port, null, extraArgs);
    }

    /** A TLS-only server (no plain port) on {@code port}, reached with {@code tls}. */
    public static RedisServer startTlsOn(int port, TestCerts.Access tls, String... extraArgs) throws IOException {
        return startOn(port, tls, extraArgs);
    }

    private static RedisServer startOn(int port, TestCerts.Access tls, String... extraArgs) throws IOException {
        String exe = executable("redis-server");
        Path dir = Files.createTempDirectory("redis-" + port + "-");
        List<String> cmd = new ArrayList<>(List.of(exe));
        cmd.addAll(tls == null ? List.of("--port", Integer.toString(port)) : tls.serverArgs(port));
        cmd.addAll(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("stdout").toFile())
                .start();
        RedisServer s = new RedisServer(p, port, dir, tls);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(s::answersPing);
        } catch (RuntimeException e) {
            s.kill9();
            throw new IOException("redis-server on port " + port + " did not start; see " + dir, e);
        }
        return s;
    }

    /** Starts a replica of {@code master} (extra options after) and waits until the master sees it online. */
    public static RedisServer startReplicaOf(RedisServer master, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--replicaof", "127.0.0.1", Integer.toString(master.port())));
        args.addAll(List.of(extraArgs));
        RedisServer r = start(args.toArray(String[]::new));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                master.info("replication").contains("port=" + r.port() + ",state=online"));
        // online is not yet acknowledging: wait until the replica confirms a write (what WAIT relies on)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (RespConn c = new RespConn(master.port())) {
                c.call("SET", "__replica-ready__", "1");
                return c.call("WAIT", "1", "1000").equals(":1\r\n") && c.call("DEL", "__replica-ready__")
                        .startsWith(":");
            }
        });
        return r;
    }

    /** A RESP connection to this server (over TLS for a TLS-only one). */
    public RespConn connect() throws IOException {
        return tls == null ? new RespConn(port) : tls.conn(port);
    }

    /** {@code INFO section} of this server, as raw RESP. */
    public String info(String section) throws IOException {
        try (RespConn c = connect()) {
            return c.call("INFO", section);
        }
    }

    /** Starts {@code redis-sentinel} with a config file written into its own directory (Sentinel rewrites it). */
    public static RedisServer startSentinel(int port, String monitorLines) throws IOException {
        return startSentinel(port, null, monitorLines);
    }

    /** A Sentinel that speaks TLS only when {@code tls} is given (to clients, other Sentinels and the nodes). */
    public static RedisServer startSentinel(int port, TestCerts.Access tls, String monitorLines) throws IOException {
        String exe = executable("redis-sentinel");
        Path dir = Files.createTempDirectory("sentinel-" + port + "-");
        Path conf = dir.resolve("sentinel.conf");
        StringBuilder lines = new StringBuilder();
        List<String> settings = tls == null ? List.of("--port", Integer.toString(port)) : tls.serverArgs(port);
        for (int i = 0; i < settings.size(); i += 2) {
            lines.append(settings.get(i).substring(2)).append(' ').append(settings.get(i + 1)).append('\n');
        }
        Files.writeString(conf, lines + "bind 127.0.0.1\ndaemonize no\ndir " + dir + "\nlogfile "
                + dir.resolve("sentinel.log") + "\n" + monitorLines);
        Process p = new ProcessBuilder(exe, conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout").toFile()).start();
        RedisServer s = new RedisServer(p, port, dir, tls);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(s::answersPing);
        } catch (RuntimeException e) {
            s.kill9();
            throw new IOException("redis-sentinel on port " + port + " did not start; see " + dir, e);
        }
        return s;
    }

    /** Path of a Redis executable; fails with instructions when it is not installed. */
    public static String executable(String name) {
        for (String d : new String[] {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new IllegalStateException(name + " is not installed: run 'sudo apt-get install redis-server "
                + "redis-sentinel redis-tools' (or ./run.sh, which does it)");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    public boolean answersPing() {
        if (tls != null) {
            try (RespConn c = tls.conn(port)) {
                String r = c.call("PING");
                return r.equals("+PONG\r\n") || r.startsWith("-NOAUTH");
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = new byte[7];
            int n = in.readNBytes(b, 0, 7);
            String r = new String(b, 0, n, StandardCharsets.US_ASCII);
            return r.equals("+PONG\r\n") || r.startsWith("-NOAUTH"); // up, with requirepass set
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** How many lines of this process's log contain {@code text}. */
    public long logLines(String text) throws IOException {
        try (var lines = Files.lines(dir.resolve("redis.log"))) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", port);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL by PID, as a crash would end it. */
    public void kill9() {
        process.toHandle().destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM by PID and wait for the exit. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                kill9();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    @Override
    public String toString() {
        return "redis-server 127.0.0.1:" + port + " pid " + process.pid();
    }
}
