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

    public static void main(String[] args) throws Exception {
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
}
