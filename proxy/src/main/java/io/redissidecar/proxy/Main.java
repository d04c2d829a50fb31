package io.redissidecar.proxy;

import io.redissidecar.config.ConfigException;
import io.redissidecar.config.ConfigLoader;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.acl.AclException;
import io.redissidecar.proxy.logging.Logging;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/** {@code java -jar redis-sidecar.jar [--option value ...]}: see {@code --help}. */
public final class Main {
    private Main() {
    }

    /** Netty's leak detection level when the JVM options name none (see {@link #nettyDefaults}). */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) throws Exception {
        nettyDefaults(); // before any Netty class reads its settings
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(ConfigLoader.help());
            return;
        }
        SidecarConfig config;
        try {
            config = ConfigLoader.load(args, System.getenv());
        } catch (ConfigException e) {
            System.err.println("redis-sidecar: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logging.configure(config.logFormat(), config.logLevel());
        Sidecar sidecar = new Sidecar(config);
        try {
            sidecar.start();
        } catch (AclException e) { // the users (--users, --aclfile) do not parse: a configuration error
            System.err.println("redis-sidecar: " + e.getMessage());
            sidecar.close();
            System.exit(2);
            return;
        } catch (Exception e) {
            System.err.println("redis-sidecar: cannot start: " + e);
            sidecar.close();
            System.exit(1);
            return;
        }
        var reloader = sidecar.enableReload(() -> ConfigLoader.load(args, System.getenv()));
        Signal.handle(new Signal("HUP"), s -> new Thread(() -> reloader.reload("SIGHUP"), "sidecar-reload").start());
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        stop.await();
        System.err.println("redis-sidecar: stopping (draining for up to " + config.shutdownTimeoutMs() + " ms)");
        sidecar.shutdown(Duration.ofMillis(config.shutdownTimeoutMs()));
        System.exit(0);
    }

    /**
     * Turns Netty's buffer leak detection off unless the JVM options set it ({@code -Dio.netty.leakDetection.level=
     * simple|advanced|paranoid}, or Netty's older {@code io.netty.leakDetectionLevel}): at its default (simple) it
     * wraps a sample of the buffers and records a stack trace for each, which cost 3 to 21 % of the proxy's CPU per
     * request in perf/RESULTS.md's measurements. The tests run with it at paranoid.
     */
    static void nettyDefaults() {
        if (System.getProperty(LEAK_DETECTION) == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
    }
}
